// The share-weighted combination of workers' gradients,
// out[j] = Σᵢ w[i]·g[i][j], one invocation per element, summed in order of
// ascending i. The gradients are concatenated: g[i][j] is grads[i·len + j].

struct Params {
    workers: u32,
    len: u32,
    _pad0: u32,
    _pad1: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> grads: array<f32>;
@group(0) @binding(2) var<storage, read> weights: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(64, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let j = gid.x;
    if j >= params.len {
        return;
    }
    var acc = 0.0;
    for (var i = 0u; i < params.workers; i++) {
        acc += weights[i] * grads[i * params.len + j];
    }
    out[j] = acc;
}
