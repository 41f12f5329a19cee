use super::*;

const TEXT: &str = r#"name = "t"
seed = 1

[[pool]]
name = "a100"
device = "a100-sxm4-80gb"
nodes = 2   # two nodes

[[job]]
name = "gpt3-1.3b"
model = "gpt3-1.3b"
seq_len = 2048
global_batch = 256

[job.parallelism]
tp = 2
pp = 1
"#;

fn axis(spec: &str) -> Axis {
    Axis::parse(spec).expect("a vary spec")
}

#[test]
fn axes_parse_and_refuse() {
    let a = axis("pool.a100.nodes = 1, 2,4");
    assert_eq!(a.key, "pool.a100.nodes");
    assert_eq!(a.values, ["1", "2", "4"]);
    for bad in ["pool.a100.nodes", "=1,2", "a..b=1", "a=1,,2"] {
        let e = Axis::parse(bad).expect_err(bad).to_string();
        assert!(e.contains(bad), "{e}");
    }
}

#[test]
fn grid_is_mixed_radix_first_axis_slowest() {
    let g = Grid::new(vec![axis("a=1,2,3"), axis("b=x,y")]);
    assert_eq!(g.len(), 6);
    let all: Vec<Vec<&str>> = (0..6).map(|i| g.values(i)).collect();
    assert_eq!(
        all,
        [
            ["1", "x"],
            ["1", "y"],
            ["2", "x"],
            ["2", "y"],
            ["3", "x"],
            ["3", "y"]
        ]
    );
    assert_eq!(g.label("f.toml", 3), "f.toml [variant 3: a=2, b=y]");
    assert_eq!(Grid::new(Vec::new()).len(), 1);
}

#[test]
fn shards_partition_the_grid() {
    let len = 10;
    let mut seen = vec![0; len];
    for k in 1..=3 {
        for i in Shard::parse(&format!("{k}/3")).expect("valid").indices(len) {
            seen[i] += 1;
        }
    }
    assert!(seen.iter().all(|&n| n == 1), "{seen:?}");
    assert_eq!(
        Shard::parse("2/3")
            .expect("valid")
            .indices(len)
            .collect::<Vec<_>>(),
        [1, 4, 7]
    );
    for bad in ["0/3", "4/3", "3", "a/b", "1/0"] {
        assert!(Shard::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn values_land_in_place_keeping_layout() {
    let axes = [
        axis("pool.a100.nodes=4"),
        axis("job.gpt3-1.3b.parallelism.tp=8"),
        axis("job.0.parallelism.microbatch=2"),
    ];
    let out = variant_text(TEXT, "t.toml", &axes, &["4", "8", "2"]);
    let out = out.expect("keys exist");
    // Same line, comment kept.
    assert_eq!(out.lines().nth(6), Some("nodes = 4   # two nodes"));
    assert!(out.contains("tp = 8\n"), "{out}");
    assert!(out.contains("microbatch = 2\n"), "{out}");
    // The rest is untouched; the new key is one more line.
    assert_eq!(out.lines().count(), TEXT.lines().count() + 1);
    let s = crate::scenario::parse(
        &variant_text(TEXT, "t.toml", &axes[..3], &["4", "8", "2"]).expect("ok"),
        "t.toml",
    )
    .expect("a valid variant");
    assert_eq!(s.pools[0].nodes, 4);
    assert_eq!(
        s.jobs[0].parallelism.degree(crate::mesh::Axis::Tp).fixed(),
        Some(8)
    );
}

#[test]
fn missing_keys_are_named() {
    let err = |key: &str| {
        variant_text(TEXT, "t.toml", &[axis(&format!("{key}=1"))], &["1"])
            .expect_err(key)
            .to_string()
    };
    let e = err("pool.h100.nodes");
    assert!(e.contains("t.toml: `--vary pool.h100.nodes`: no"), "{e}");
    assert!(
        e.contains("no `pool` named `h100`") && e.contains("`a100`"),
        "{e}"
    );
    let e = err("cluster.size");
    assert!(e.contains("the scenario has no `cluster`"), "{e}");
    let e = err("pool.nodes");
    assert!(
        e.contains("`pool` is a list: name one of its entries, as in `pool.NAME.nodes`"),
        "{e}"
    );
    let e = err("seed.x");
    assert!(e.contains("`seed` is a value, not a table"), "{e}");
}

#[test]
fn an_invalid_value_fails_validation_naming_the_key() {
    let text = variant_text(TEXT, "t.toml", &[axis("pool.a100.nodes=0")], &["0"]).expect("ok");
    let e = crate::scenario::parse(&text, "t.toml [variant 0: pool.a100.nodes=0]")
        .expect_err("0 nodes")
        .to_string();
    assert!(
        e.contains("t.toml [variant 0: pool.a100.nodes=0]:7:9: error: `pool[0].nodes`"),
        "{e}"
    );
}
