// dx = dy · GELU'(x), tanh approximation, one element per invocation. With
// s = σ(2u) = (1 + tanh u) / 2: GELU(x) = x s, GELU'(x) = s + 2 x u' s (1 − s).

struct Params {
    n: u32,
    pad0: u32,
    pad1: u32,
    pad2: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;

const SCALE: f32 = 0.7978846;
const CUBIC: f32 = 0.044715;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let i = gid.x + gid.y * groups.x * 64u;
    if i >= params.n {
        return;
    }
    let v = x[i];
    let u = SCALE * (v + CUBIC * v * v * v);
    let du = SCALE * (1.0 + 3.0 * CUBIC * v * v);
    let s = 1.0 / (1.0 + exp(-2.0 * u));
    dx[i] = dy[i] * (s + v * 2.0 * du * s * (1.0 - s));
}
