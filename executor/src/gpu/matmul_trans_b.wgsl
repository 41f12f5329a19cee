// C = A · Bᵀ, row-major, with B stored n × k (the input gradient G · Wᵀ),
// for k and n multiples of 4 and any m (the general kernel is matmul.wgsl).
// Storage is bound as array<vec4<f32>>: each invocation computes a 4×4
// block of C from vec4 loads along k of four rows of A and four rows of B,
// transposes the 4×4 block of B in registers, and accumulates in the same
// order as the general kernel. Rows past the edge of A read zero and are
// not stored.

struct Params {
    m: u32,
    k: u32,
    n: u32,
    // Unused here (always 2); the layout matches matmul.wgsl.
    flags: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> b: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> c: array<vec4<f32>>;

// A[i, 4q .. 4q + 4], zero past the last row.
fn load_a(i: u32, q: u32) -> vec4<f32> {
    if i >= params.m {
        return vec4<f32>(0.0);
    }
    return a[i * (params.k / 4u) + q];
}

fn step(acc: vec4<f32>, x: vec4<f32>, b0: vec4<f32>, b1: vec4<f32>, b2: vec4<f32>, b3: vec4<f32>) -> vec4<f32> {
    var r = fma(vec4<f32>(x.x), b0, acc);
    r = fma(vec4<f32>(x.y), b1, r);
    r = fma(vec4<f32>(x.z), b2, r);
    return fma(vec4<f32>(x.w), b3, r);
}

@compute @workgroup_size(8, 8, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let k4 = params.k / 4u;
    let n4 = params.n / 4u;
    let i0 = gid.y * 4u;
    let jq = gid.x;
    if i0 >= params.m || jq >= n4 {
        return;
    }
    var acc0 = vec4<f32>(0.0);
    var acc1 = vec4<f32>(0.0);
    var acc2 = vec4<f32>(0.0);
    var acc3 = vec4<f32>(0.0);
    let row = 4u * jq * k4;
    for (var q = 0u; q < k4; q++) {
        // Rows j0 .. j0 + 4 of B at k = 4q .. 4q + 4, then as op(B)'s rows.
        let r0 = b[row + q];
        let r1 = b[row + k4 + q];
        let r2 = b[row + 2u * k4 + q];
        let r3 = b[row + 3u * k4 + q];
        let b0 = vec4<f32>(r0.x, r1.x, r2.x, r3.x);
        let b1 = vec4<f32>(r0.y, r1.y, r2.y, r3.y);
        let b2 = vec4<f32>(r0.z, r1.z, r2.z, r3.z);
        let b3 = vec4<f32>(r0.w, r1.w, r2.w, r3.w);
        acc0 = step(acc0, load_a(i0, q), b0, b1, b2, b3);
        acc1 = step(acc1, load_a(i0 + 1u, q), b0, b1, b2, b3);
        acc2 = step(acc2, load_a(i0 + 2u, q), b0, b1, b2, b3);
        acc3 = step(acc3, load_a(i0 + 3u, q), b0, b1, b2, b3);
    }
    let base = i0 * n4 + jq;
    c[base] = acc0;
    if i0 + 1u < params.m {
        c[base + n4] = acc1;
    }
    if i0 + 2u < params.m {
        c[base + 2u * n4] = acc2;
    }
    if i0 + 3u < params.m {
        c[base + 3u * n4] = acc3;
    }
}
