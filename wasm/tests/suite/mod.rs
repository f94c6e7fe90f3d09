//! Tests of every class and every error path, shared by the Node and browser runs.

mod bytes;
mod bytes_fast;
mod generic;
mod js;
mod messages;
mod numeric;
mod packed;
mod support;
mod waiting;
