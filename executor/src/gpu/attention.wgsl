// Causal self-attention forward, one query row per invocation, in one pass
// (online softmax). Q, K, V and O are (groups = batch · heads, seq,
// head_dim), row-major, head_dim ≤ MAX_HEAD_DIM. Row r = g·seq + t attends
// to keys 0..=t of group g: with scaled scores s_j = scale · q_t·k_j, a
// running maximum m, sum = Σ_j exp(s_j − m) and acc = Σ_j exp(s_j − m) · v_j
// are rescaled whenever m grows; O_t = acc / sum and lse_t = m + ln(sum).

const MAX_HEAD_DIM: u32 = 128u;

struct Params {
    rows: u32,
    seq: u32,
    head_dim: u32,
    scale: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> k: array<f32>;
@group(0) @binding(3) var<storage, read> v: array<f32>;
@group(0) @binding(4) var<storage, read_write> o: array<f32>;
@group(0) @binding(5) var<storage, read_write> lse: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let r = gid.x + gid.y * groups.x * 64u;
    if r >= params.rows {
        return;
    }
    let d = params.head_dim;
    let t = r % params.seq;
    let first = r - t;
    var qr: array<f32, MAX_HEAD_DIM>;
    var acc: array<f32, MAX_HEAD_DIM>;
    for (var c = 0u; c < d; c++) {
        qr[c] = q[r * d + c];
        acc[c] = 0.0;
    }
    var m = -3.0e38;
    var sum = 0.0;
    for (var j = first; j <= r; j++) {
        var dot = 0.0;
        for (var c = 0u; c < d; c++) {
            dot += qr[c] * k[j * d + c];
        }
        let s = params.scale * dot;
        if s > m {
            let shrink = exp(m - s);
            sum *= shrink;
            for (var c = 0u; c < d; c++) {
                acc[c] *= shrink;
            }
            m = s;
        }
        let p = exp(s - m);
        sum += p;
        for (var c = 0u; c < d; c++) {
            acc[c] += p * v[j * d + c];
        }
    }
    for (var c = 0u; c < d; c++) {
        o[r * d + c] = acc[c] / sum;
    }
    lse[r] = m + log(sum);
}
