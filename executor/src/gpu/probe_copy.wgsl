// dst = src, one vec4 per invocation: its bytes read plus bytes written
// over its time is the device's memory bandwidth.

@group(0) @binding(0) var<storage, read> src: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read_write> dst: array<vec4<f32>>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
    let i = gid.x + gid.y * groups.x * 64u;
    if i >= arrayLength(&src) {
        return;
    }
    dst[i] = src[i];
}
