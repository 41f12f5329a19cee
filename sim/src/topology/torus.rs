//! Torus arithmetic: coordinates, hop distances, diameter and bisection.
//!
//! A pool-wide torus numbers its devices linearly (`node * devices_per_node +
//! local`) and maps that index to coordinates with dimension 0 varying
//! fastest. A dimension of extent `d > 2` has wraparound, so each device has
//! two neighbours in it; extent 2 has a single link; extent 1 none.

/// Coordinates of linear index `index` in a torus of extent `dims`
/// (dimension 0 fastest).
pub fn coords(dims: &[u32], index: usize) -> Vec<u32> {
    let mut rest = index;
    dims.iter()
        .map(|&d| {
            let d = d as usize;
            let c = rest % d;
            rest /= d;
            u32::try_from(c).expect("coordinate is below a u32 extent")
        })
        .collect()
}

/// Linear index of `coords` (dimension 0 fastest).
pub fn index(dims: &[u32], coords: &[u32]) -> usize {
    dims.iter()
        .zip(coords)
        .rev()
        .fold(0, |acc, (&d, &c)| acc * d as usize + c as usize)
}

/// Signed shortest step count from `from` to `to` in a ring of extent `d`;
/// positive on ties.
pub fn ring_offset(d: u32, from: u32, to: u32) -> i64 {
    let d = i64::from(d);
    let forward = (i64::from(to) - i64::from(from)).rem_euclid(d);
    if forward <= d - forward {
        forward
    } else {
        forward - d
    }
}

/// Hop distance between two coordinates: the sum over dimensions of the
/// shorter way round each ring.
pub fn distance(dims: &[u32], a: &[u32], b: &[u32]) -> u32 {
    dims.iter()
        .zip(a.iter().zip(b))
        .map(|(&d, (&x, &y))| u32::try_from(ring_offset(d, x, y).unsigned_abs()).expect("fits"))
        .sum()
}

/// Diameter in hops: `sum_i floor(d_i / 2)`.
pub fn diameter(dims: &[u32]) -> u32 {
    dims.iter().map(|d| d / 2).sum()
}

/// Links crossing the bisection cut, counted in units of one link:
/// cutting perpendicular to the largest dimension `d_max` severs
/// `prod(other dims)` rings, each in two places when `d_max > 2` (wraparound)
/// and one when `d_max == 2`. Zero when every extent is 1.
pub fn bisection_links(dims: &[u32]) -> u64 {
    let Some((k, &d_max)) = dims
        .iter()
        .enumerate()
        .max_by_key(|&(i, d)| (*d, usize::MAX - i))
    else {
        return 0;
    };
    let others: u64 = dims
        .iter()
        .enumerate()
        .filter(|&(i, _)| i != k)
        .map(|(_, &d)| u64::from(d))
        .product();
    match d_max {
        0 | 1 => 0,
        2 => others,
        _ => 2 * others,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diameters_match_hand_computed() {
        // 4x4x4: 2+2+2; 16x16: 8+8; 2x2x1: 1+1+0; 8x8x8: 4+4+4.
        assert_eq!(diameter(&[4, 4, 4]), 6);
        assert_eq!(diameter(&[16, 16]), 16);
        assert_eq!(diameter(&[2, 2, 1]), 2);
        assert_eq!(diameter(&[8, 8, 8]), 12);
    }

    #[test]
    fn coords_round_trip_and_distance_wraps() {
        let dims = [4, 3, 2];
        for i in 0..24 {
            assert_eq!(index(&dims, &coords(&dims, i)), i);
        }
        assert_eq!(distance(&[8], &[0], &[7]), 1);
        assert_eq!(ring_offset(4, 0, 2), 2);
        assert_eq!(ring_offset(4, 0, 3), -1);
    }

    #[test]
    fn bisection_links_cut_largest_dimension() {
        // 4x4: cut 4 rings of the largest dimension, each twice.
        assert_eq!(bisection_links(&[4, 4]), 8);
        assert_eq!(bisection_links(&[2, 2, 1]), 2);
        assert_eq!(bisection_links(&[8, 4]), 8);
        assert_eq!(bisection_links(&[1]), 0);
    }
}
