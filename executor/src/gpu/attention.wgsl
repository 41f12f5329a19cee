// Causal self-attention forward, one query row per invocation. Q, K, V and O
// are (groups = batch · heads, seq, head_dim), row-major. Row r = g·seq + t
// attends to keys 0..=t of group g: with scaled scores s_j = scale · q_t·k_j,
// three passes find max = max_j s_j, sum = Σ_j exp(s_j − max), and
// O_t = Σ_j exp(s_j − max) · v_j / sum; lse_t = max + ln(sum).

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

fn score(qrow: u32, krow: u32) -> f32 {
    let d = params.head_dim;
    var acc = 0.0;
    for (var c = 0u; c < d; c++) {
        acc += q[qrow * d + c] * k[krow * d + c];
    }
    return params.scale * acc;
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let r = gid.x + gid.y * groups.x * 64u;
    if r >= params.rows {
        return;
    }
    let d = params.head_dim;
    let t = r % params.seq;
    let first = r - t;
    var m = score(r, first);
    for (var j = 1u; j <= t; j++) {
        m = max(m, score(r, first + j));
    }
    for (var c = 0u; c < d; c++) {
        o[r * d + c] = 0.0;
    }
    var sum = 0.0;
    for (var j = 0u; j <= t; j++) {
        let p = exp(score(r, first + j) - m);
        sum += p;
        for (var c = 0u; c < d; c++) {
            o[r * d + c] += p * v[(first + j) * d + c];
        }
    }
    for (var c = 0u; c < d; c++) {
        o[r * d + c] /= sum;
    }
    lse[r] = m + log(sum);
}
