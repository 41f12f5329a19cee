// Softmax cross-entropy over row-major logits (rows × vocab) with integer
// targets, one invocation per row. Each row's loss is
// ln Σ exp(x − max) + max − x[target], with the row maximum subtracted so
// exp cannot overflow; the host averages the row losses. With `want_grad`
// set, the row's gradient (softmax − onehot) / rows is written too.

struct Params {
    rows: u32,
    vocab: u32,
    want_grad: u32,
    _pad: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read> targets: array<u32>;
@group(0) @binding(3) var<storage, read_write> row_loss: array<f32>;
@group(0) @binding(4) var<storage, read_write> grad: array<f32>;

@compute @workgroup_size(64, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let r = gid.x;
    if r >= params.rows {
        return;
    }
    let base = r * params.vocab;
    var hi = logits[base];
    for (var j = 1u; j < params.vocab; j++) {
        hi = max(hi, logits[base + j]);
    }
    var sum = 0.0;
    for (var j = 0u; j < params.vocab; j++) {
        sum += exp(logits[base + j] - hi);
    }
    let t = targets[r];
    row_loss[r] = log(sum) + hi - logits[base + t];
    if params.want_grad != 0u {
        let scale = 1.0 / f32(params.rows);
        for (var j = 0u; j < params.vocab; j++) {
            var p = exp(logits[base + j] - hi) / sum;
            if j == t {
                p -= 1.0;
            }
            grad[base + j] = p * scale;
        }
    }
}
