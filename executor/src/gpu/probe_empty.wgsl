// Does nothing: its submit-to-completion time is the dispatch latency.

@compute @workgroup_size(1)
fn main() {
}
