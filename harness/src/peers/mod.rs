//! Adapters that give the libraries compared one interface per workload, so each
//! workload is written once and run on mmring and on every peer alike.

pub mod inproc;
pub mod spsc;
