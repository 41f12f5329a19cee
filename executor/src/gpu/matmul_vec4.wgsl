// C = A · B, row-major, for k and n multiples of 4 and no transposes (the
// general kernel is matmul.wgsl). Storage is bound as array<vec4<f32>>: each
// invocation computes a 4×4 block of C from vec4 loads of four rows of A
// (four steps of k) and four rows of B, accumulating in the same order as
// the general kernel. Rows past the edge of A read zero and are not stored.

struct Params {
    m: u32,
    k: u32,
    n: u32,
    // Unused here (always 0); the layout matches matmul.wgsl.
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
    for (var q = 0u; q < params.k / 4u; q++) {
        let row = 4u * q * n4 + jq;
        let b0 = b[row];
        let b1 = b[row + n4];
        let b2 = b[row + 2u * n4];
        let b3 = b[row + 3u * n4];
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
