//! Benchmarks of the scoring hot path (filled in by the performance work).
fn main() {}
