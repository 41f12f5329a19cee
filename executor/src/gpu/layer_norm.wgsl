// Layer norm over the last dimension of a row-major rows × cols matrix, one
// row per invocation: mean, then the biased variance about it (two passes),
// rstd = 1 / sqrt(var + 1e-5), y = (x − mean) · rstd · gain + bias.

struct Params {
    rows: u32,
    cols: u32,
    pad0: u32,
    pad1: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> gain: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;
@group(0) @binding(5) var<storage, read_write> mean_out: array<f32>;
@group(0) @binding(6) var<storage, read_write> rstd_out: array<f32>;

const EPS: f32 = 1e-5;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let r = gid.x + gid.y * groups.x * 64u;
    if r >= params.rows {
        return;
    }
    let cols = params.cols;
    let base = r * cols;
    var sum = 0.0;
    for (var j = 0u; j < cols; j++) {
        sum += x[base + j];
    }
    let mean = sum / f32(cols);
    var sq = 0.0;
    for (var j = 0u; j < cols; j++) {
        let c = x[base + j] - mean;
        sq += c * c;
    }
    let rstd = 1.0 / sqrt(sq / f32(cols) + EPS);
    for (var j = 0u; j < cols; j++) {
        y[base + j] = (x[base + j] - mean) * rstd * gain[j] + bias[j];
    }
    mean_out[r] = mean;
    rstd_out[r] = rstd;
}
