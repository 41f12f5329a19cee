// y = GELU(x), tanh approximation (GPT-2), one element per invocation:
// x · (1 + tanh u) / 2 with u = √(2/π) (x + 0.044715 x³), computed as
// x · σ(2u), which is equal and has no cancellation for negative x.

struct Params {
    n: u32,
    pad0: u32,
    pad1: u32,
    pad2: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

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
    y[i] = v / (1.0 + exp(-2.0 * u));
}
