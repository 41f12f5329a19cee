// Token embedding forward, one output element per invocation: output row t
// is row tokens[t] of the vocab × d table plus row t mod seq of the
// seq × d positional table. Token ids are checked on the host.

struct Params {
    tokens: u32,
    seq: u32,
    d: u32,
    vocab: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> tokens: array<u32>;
@group(0) @binding(2) var<storage, read> table: array<f32>;
@group(0) @binding(3) var<storage, read> pos: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let i = gid.x + gid.y * groups.x * 64u;
    let d = params.d;
    if i >= params.tokens * d {
        return;
    }
    let t = i / d;
    let j = i % d;
    let id = min(tokens[t], params.vocab - 1u);
    y[i] = table[id * d + j] + pos[(t % params.seq) * d + j];
}
