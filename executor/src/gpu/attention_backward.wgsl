// Causal self-attention backward, deterministic (no atomics), one row per
// invocation. Q, K, V, O and dO are (groups = batch · heads, seq, head_dim),
// row-major, head_dim ≤ MAX_HEAD_DIM; q, k and v come in one buffer `qkv`
// (Q, then K, then V, `rows · head_dim` floats each). With
// P_ij = exp(scale · q_i·k_j − lse_i) for j ≤ i, D_i = dO_i·O_i and
// dS_ij = P_ij (dO_i·v_j − D_i):
//   invocation r < rows computes query row i = r:
//     dQ_i = scale Σ_{j≤i} dS_ij k_j (j ascending);
//   invocation rows + r computes key row j = r:
//     dK_j = scale Σ_{i≥j} dS_ij q_i and dV_j = Σ_{i≥j} P_ij dO_i (i ascending).

const MAX_HEAD_DIM: u32 = 128u;

struct Params {
    rows: u32,
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

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let e = gid.x + gid.y * groups.x * 64u;
    let rows = params.rows;
    let d = params.head_dim;
    let seq = params.seq;
    let len = rows * d;
    var a: array<f32, MAX_HEAD_DIM>;
    var b: array<f32, MAX_HEAD_DIM>;
    var acc1: array<f32, MAX_HEAD_DIM>;
    var acc2: array<f32, MAX_HEAD_DIM>;
    if e < rows {
        // Query row i: a = q_i, b = dO_i.
        let i = e;
        let first = i - i % seq;
        var delta = 0.0;
        for (var c = 0u; c < d; c++) {
            a[c] = qkv[i * d + c];
            b[c] = d_o[i * d + c];
            delta += b[c] * o[i * d + c];
            acc1[c] = 0.0;
        }
        for (var j = first; j <= i; j++) {
            var s = 0.0;
            var dp = 0.0;
            for (var c = 0u; c < d; c++) {
                s += a[c] * qkv[len + j * d + c];
                dp += b[c] * qkv[2u * len + j * d + c];
            }
            let ds = exp(params.scale * s - lse[i]) * (dp - delta);
            for (var c = 0u; c < d; c++) {
                acc1[c] += ds * qkv[len + j * d + c];
            }
        }
        for (var c = 0u; c < d; c++) {
            dq[i * d + c] = params.scale * acc1[c];
        }
    } else if e < 2u * rows {
        // Key row j: a = k_j, b = v_j.
        let j = e - rows;
        let last = j - j % seq + seq;
        for (var c = 0u; c < d; c++) {
            a[c] = qkv[len + j * d + c];
            b[c] = qkv[2u * len + j * d + c];
            acc1[c] = 0.0;
            acc2[c] = 0.0;
        }
        for (var i = j; i < last; i++) {
            var s = 0.0;
            var dp = 0.0;
            var delta = 0.0;
            for (var c = 0u; c < d; c++) {
                let g = d_o[i * d + c];
                s += qkv[i * d + c] * a[c];
                dp += g * b[c];
                delta += g * o[i * d + c];
            }
            let p = exp(params.scale * s - lse[i]);
            let ds = p * (dp - delta);
            for (var c = 0u; c < d; c++) {
                acc1[c] += ds * qkv[i * d + c];
                acc2[c] += p * d_o[i * d + c];
            }
        }
        for (var c = 0u; c < d; c++) {
            dk[j * d + c] = params.scale * acc1[c];
            dv[j * d + c] = acc2[c];
        }
    }
}
