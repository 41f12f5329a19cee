// Causal self-attention backward, deterministic (no atomics). Q, K, V, O and
// dO are (groups = batch · heads, seq, head_dim), row-major; q, k and v come
// in one buffer `qkv` (Q, then K, then V, `len` floats each). With
// P_ij = exp(scale · q_i·k_j − lse_i) for j ≤ i, D_i = dO_i·O_i and
// dS_ij = P_ij (dO_i·v_j − D_i):
//   invocation e < len computes dQ[e] (row i, column c) = scale Σ_{j≤i} dS_ij k_jc;
//   invocation len + e computes, for key row j and column c,
//     dK[e] = scale Σ_{i≥j} dS_ij q_ic  and  dV[e] = Σ_{i≥j} P_ij dO_ic,
// each summing in order over the other position.

struct Params {
    len: u32,
    seq: u32,
    head_dim: u32,
    scale: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> qkv: array<f32>;
@group(0) @binding(2) var<storage, read> o: array<f32>;
@group(0) @binding(3) var<storage, read> lse: array<f32>;
@group(0) @binding(4) var<storage, read> d_o: array<f32>;
@group(0) @binding(5) var<storage, read_write> dq: array<f32>;
@group(0) @binding(6) var<storage, read_write> dk: array<f32>;
@group(0) @binding(7) var<storage, read_write> dv: array<f32>;

// The dot product over one head of rows a and b of the tensors at offsets
// a0 and b0 in qkv (d_o and o are read through their own helpers).
fn dot_qkv(a0: u32, a: u32, b0: u32, b: u32) -> f32 {
    let d = params.head_dim;
    var acc = 0.0;
    for (var c = 0u; c < d; c++) {
        acc += qkv[a0 + a * d + c] * qkv[b0 + b * d + c];
    }
    return acc;
}

// dO_i · v_j.
fn dot_do_v(i: u32, j: u32) -> f32 {
    let d = params.head_dim;
    var acc = 0.0;
    for (var c = 0u; c < d; c++) {
        acc += d_o[i * d + c] * qkv[2u * params.len + j * d + c];
    }
    return acc;
}

// D_i = dO_i · O_i.
fn delta(i: u32) -> f32 {
    let d = params.head_dim;
    var acc = 0.0;
    for (var c = 0u; c < d; c++) {
        acc += d_o[i * d + c] * o[i * d + c];
    }
    return acc;
}

// P_ij.
fn prob(i: u32, j: u32) -> f32 {
    return exp(params.scale * dot_qkv(0u, i, params.len, j) - lse[i]);
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let e = gid.x + gid.y * groups.x * 64u;
    let len = params.len;
    let d = params.head_dim;
    let seq = params.seq;
    if e < len {
        let i = e / d;
        let c = e % d;
        let t = i % seq;
        let first = i - t;
        let di = delta(i);
        var acc = 0.0;
        for (var j = first; j <= i; j++) {
            let ds = prob(i, j) * (dot_do_v(i, j) - di);
            acc += ds * qkv[len + j * d + c];
        }
        dq[e] = params.scale * acc;
    } else if e < 2u * len {
        let f = e - len;
        let j = f / d;
        let c = f % d;
        let last = j - j % seq + seq;
        var acc_k = 0.0;
        var acc_v = 0.0;
        for (var i = j; i < last; i++) {
            let p = prob(i, j);
            let ds = p * (dot_do_v(i, j) - delta(i));
            acc_k += ds * qkv[i * d + c];
            acc_v += p * d_o[i * d + c];
        }
        dk[f] = params.scale * acc_k;
        dv[f] = acc_v;
    }
}
