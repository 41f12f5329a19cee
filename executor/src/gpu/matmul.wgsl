// C = op(A) · op(B), row-major, any m, k, n (see `Matmul` in backend.rs).
//
// Register-blocked: each invocation computes a 4×4 block of C in four vec4
// accumulators, with no workgroup memory. On lavapipe, workgroup-memory
// tiling is slower than naive (its loads run one lane at a time), and
// register blocking is what pays; a workgroup covers a 32×32 tile of C.
// Loads past the edge of A or B read zero; stores past the edge of C are
// skipped, so every shape is exact.

struct Params {
    m: u32,
    k: u32,
    n: u32,
    // Bit 0: A is stored k × m (transposed); bit 1: B is stored n × k.
    flags: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> c: array<f32>;

// op(A)[i, p], zero outside.
fn load_a(i: u32, p: u32) -> f32 {
    if i >= params.m {
        return 0.0;
    }
    if (params.flags & 1u) != 0u {
        return a[p * params.m + i];
    }
    return a[i * params.k + p];
}

// op(B)[p, j], zero outside.
fn load_b(p: u32, j: u32) -> f32 {
    if j >= params.n {
        return 0.0;
    }
    if (params.flags & 2u) != 0u {
        return b[j * params.k + p];
    }
    return b[p * params.n + j];
}

// Stores one row of the block, skipping columns past the edge.
fn store_row(i: u32, j0: u32, v: vec4<f32>) {
    if i >= params.m {
        return;
    }
    let base = i * params.n;
    for (var t = 0u; t < 4u; t++) {
        if j0 + t < params.n {
            c[base + j0 + t] = v[t];
        }
    }
}

@compute @workgroup_size(8, 8, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i0 = gid.y * 4u;
    let j0 = gid.x * 4u;
    if i0 >= params.m || j0 >= params.n {
        return;
    }
    var acc0 = vec4<f32>(0.0);
    var acc1 = vec4<f32>(0.0);
    var acc2 = vec4<f32>(0.0);
    var acc3 = vec4<f32>(0.0);
    for (var p = 0u; p < params.k; p++) {
        let bv = vec4<f32>(load_b(p, j0), load_b(p, j0 + 1u), load_b(p, j0 + 2u), load_b(p, j0 + 3u));
        acc0 = fma(vec4<f32>(load_a(i0, p)), bv, acc0);
        acc1 = fma(vec4<f32>(load_a(i0 + 1u, p)), bv, acc1);
        acc2 = fma(vec4<f32>(load_a(i0 + 2u, p)), bv, acc2);
        acc3 = fma(vec4<f32>(load_a(i0 + 3u, p)), bv, acc3);
    }
    store_row(i0, j0, acc0);
    store_row(i0 + 1u, j0, acc1);
    store_row(i0 + 2u, j0, acc2);
    store_row(i0 + 3u, j0, acc3);
}
