// Token embedding backward, deterministic (no atomics): invocation
// v·d + j (v < vocab) sums dY[t, j] over the tokens t with id v, in token
// order, into dtable[v, j]; invocation vocab·d + s·d + j sums dY[t, j] over
// the tokens at sequence position s (t = s, s + seq, …) into dpos[s, j].
//
// The host groups the tokens by id (a counting sort that keeps token order):
// by_id[v] .. by_id[v + 1] are the places in by_id[vocab + 1 ..] that hold
// the tokens with id v, so an invocation visits only its own tokens.

struct Params {
    tokens: u32,
    seq: u32,
    d: u32,
    vocab: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> by_id: array<u32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read_write> dtable: array<f32>;
@group(0) @binding(4) var<storage, read_write> dpos: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let i = gid.x + gid.y * groups.x * 64u;
    let d = params.d;
    let table_len = params.vocab * d;
    if i < table_len {
        let v = i / d;
        let j = i % d;
        let order = params.vocab + 1u;
        var acc = 0.0;
        for (var e = by_id[v]; e < by_id[v + 1u]; e++) {
            acc += dy[by_id[order + e] * d + j];
        }
        dtable[i] = acc;
    } else if i < table_len + params.seq * d {
        let k = i - table_len;
        let s = k / d;
        let j = k % d;
        var acc = 0.0;
        for (var t = s; t < params.tokens; t += params.seq) {
            acc += dy[t * d + j];
        }
        dpos[k] = acc;
    }
}
