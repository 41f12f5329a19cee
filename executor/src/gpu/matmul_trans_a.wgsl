// C = Aᵀ · B, row-major, with A stored k × m (the weight gradient Xᵀ · G),
// for m and n multiples of 4 and any k (the general kernel is matmul.wgsl).
// Storage is bound as array<vec4<f32>>: each invocation computes a 4×4
// block of C, reading per step of k one vec4 of A's row (four rows of C)
// and one vec4 of B's row, and accumulating in the same order as the
// general kernel.

struct Params {
    m: u32,
    k: u32,
    n: u32,
    // Unused here (always 1); the layout matches matmul.wgsl.
    flags: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> b: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> c: array<vec4<f32>>;

@compute @workgroup_size(8, 8, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let m4 = params.m / 4u;
    let n4 = params.n / 4u;
    let iq = gid.y;
    let jq = gid.x;
    if iq >= m4 || jq >= n4 {
        return;
    }
    var acc0 = vec4<f32>(0.0);
    var acc1 = vec4<f32>(0.0);
    var acc2 = vec4<f32>(0.0);
    var acc3 = vec4<f32>(0.0);
    for (var p = 0u; p < params.k; p++) {
        let av = a[p * m4 + iq];
        let bv = b[p * n4 + jq];
        acc0 = fma(vec4<f32>(av.x), bv, acc0);
        acc1 = fma(vec4<f32>(av.y), bv, acc1);
        acc2 = fma(vec4<f32>(av.z), bv, acc2);
        acc3 = fma(vec4<f32>(av.w), bv, acc3);
    }
    let base = 4u * iq * n4 + jq;
    c[base] = acc0;
    c[base + n4] = acc1;
    c[base + 2u * n4] = acc2;
    c[base + 3u * n4] = acc3;
}
