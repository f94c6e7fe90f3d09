//! What the loom models share: how a model is explored, and how a deliberately broken
//! variant is shown to fail.

/// Explores every interleaving of `f` with at most three preemptions.
pub fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    builder.preemption_bound = Some(3);
    builder.check(f);
}

/// Proves that a model can fail: runs `broken` (a model of a deliberately broken
/// variant, which must panic) in a child process of this test binary, and checks that
/// the child failed with a message containing one of `reasons`. A child, because loom
/// may abort while unwinding a failed model. `test` is the name of the calling test,
/// which the child runs alone.
pub fn must_fail(test: &str, reasons: &[&str], broken: impl Fn() + Sync + Send + 'static) {
    const CHILD: &str = "MMRING_LOOM_BROKEN_MODEL";
    if std::env::var_os(CHILD).is_some() {
        model(broken);
        return;
    }
    let child = std::process::Command::new(std::env::current_exe().unwrap())
        .args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD, "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&child.stderr);
    assert!(
        !child.status.success(),
        "the broken model passed:\n{stderr}"
    );
    assert!(
        reasons.iter().any(|reason| stderr.contains(reason)),
        "failed for another reason than {reasons:?}:\n{stderr}"
    );
}
