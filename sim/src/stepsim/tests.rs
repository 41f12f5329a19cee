use super::*;

#[test]
fn apportion_is_proportional_and_exact() {
    assert_eq!(apportion(10, &[1.0, 1.0]), vec![5, 5]);
    assert_eq!(apportion(10, &[1.0, 2.0, 2.0]), vec![2, 4, 4]);
    let a = apportion(
        1024,
        &[1.0; 8]
            .iter()
            .chain(&[2.125; 8])
            .copied()
            .collect::<Vec<_>>(),
    );
    assert_eq!(a.iter().sum::<u64>(), 1024);
    assert!(a[8] > a[0]);
}
