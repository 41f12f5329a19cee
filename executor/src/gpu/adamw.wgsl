// One AdamW step (PyTorch semantics, decoupled weight decay), in place on
// the parameters and both moments, one invocation per element. The bias
// corrections 1 − β1ᵗ and 1 − β2ᵗ come from the host.

struct Params {
    n: u32,
    lr: f32,
    beta1: f32,
    beta2: f32,
    eps: f32,
    weight_decay: f32,
    c1: f32,
    c2: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> grads: array<f32>;
@group(0) @binding(2) var<storage, read_write> p: array<f32>;
@group(0) @binding(3) var<storage, read_write> m: array<f32>;
@group(0) @binding(4) var<storage, read_write> v: array<f32>;

@compute @workgroup_size(64, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x;
    if i >= params.n {
        return;
    }
    let g = grads[i];
    let mi = params.beta1 * m[i] + (1.0 - params.beta1) * g;
    let vi = params.beta2 * v[i] + (1.0 - params.beta2) * g * g;
    m[i] = mi;
    v[i] = vi;
    let m_hat = mi / params.c1;
    let v_hat = vi / params.c2;
    let pi = p[i];
    p[i] = pi - params.lr * (m_hat / (sqrt(v_hat) + params.eps) + params.weight_decay * pi);
}
