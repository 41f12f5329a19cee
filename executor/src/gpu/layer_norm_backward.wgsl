// Layer norm backward, deterministic (no atomics). Invocation r < rows
// computes row r of dx:
//   dx = rstd · (dy·gain − mean(dy·gain) − x̂ · mean(dy·gain·x̂)),
// with x̂ = (x − mean) · rstd; invocation rows + j computes column j of the
// parameter gradients, summing over rows in order:
//   dgain[j] = Σ dy · x̂,  dbias[j] = Σ dy.

struct Params {
    rows: u32,
    cols: u32,
    pad0: u32,
    pad1: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> gain: array<f32>;
@group(0) @binding(3) var<storage, read> mean: array<f32>;
@group(0) @binding(4) var<storage, read> rstd: array<f32>;
@group(0) @binding(5) var<storage, read> dy: array<f32>;
@group(0) @binding(6) var<storage, read_write> dx: array<f32>;
@group(0) @binding(7) var<storage, read_write> dgain: array<f32>;
@group(0) @binding(8) var<storage, read_write> dbias: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let i = gid.x + gid.y * groups.x * 64u;
    let rows = params.rows;
    let cols = params.cols;
    if i < rows {
        let base = i * cols;
        let m = mean[i];
        let s = rstd[i];
        var mean_g = 0.0;
        var mean_gx = 0.0;
        for (var j = 0u; j < cols; j++) {
            let g = dy[base + j] * gain[j];
            mean_g += g;
            mean_gx += g * (x[base + j] - m) * s;
        }
        mean_g /= f32(cols);
        mean_gx /= f32(cols);
        for (var j = 0u; j < cols; j++) {
            let xhat = (x[base + j] - m) * s;
            dx[base + j] = s * (dy[base + j] * gain[j] - mean_g - xhat * mean_gx);
        }
    } else if i < rows + cols {
        let j = i - rows;
        var dg = 0.0;
        var db = 0.0;
        for (var r = 0u; r < rows; r++) {
            let d = dy[r * cols + j];
            dg += d * (x[r * cols + j] - mean[r]) * rstd[r];
            db += d;
        }
        dgain[j] = dg;
        dbias[j] = db;
    }
}
