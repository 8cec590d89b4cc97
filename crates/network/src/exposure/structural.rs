//! Structural-equivalence weights (Burt 1987; Valente 1995), as netdiffuseR's
//! `struct_equiv()` computes them, for the exposure channel
//! [`Channel::StructuralEquivalence`](super::measure::Channel::StructuralEquivalence):
//! two firms are close when they send workers to, and receive workers from,
//! the same firms at the same distances, whether or not workers moved
//! between the two themselves. Imports nothing from the crate.
//!
//! On a directed, unweighted network of $n$ nodes:
//!
//! 1. $z_{ij}$ = geodesic (shortest-path) distance from $i$ to $j$,
//!    unreachable pairs set to 0 (netdiffuseR's `inf.replace = 0`), then
//!    divided by the largest distance (so $z \in [0, 1]$);
//! 2. $d_{ij} = \big[(z_{ij}-z_{ji})^2 + \sum_{k\ne i,j}(z_{ik}-z_{jk})^2 + \sum_{k\ne i,j}(z_{ki}-z_{kj})^2\big]^{1/2}$
//!    (symmetric);
//! 3. $\mathrm{SE}_{ij} = (d^{\max}_i - d_{ij})^v \big/ \sum_{k\ne i}(d^{\max}_i - d_{ik})^v$
//!    with $d^{\max}_i = \max_j d_{ij}$ and the cohesion exponent $v$
//!    (netdiffuseR's default $v = 1$); a row whose denominator is 0 (an
//!    isolated network, every distance equal) is all zeros.
//!
//! Rows sum to 1 over $j \ne i$. Cost $O(n\,m)$ for the distances and $O(n^3)$
//! for $d$: fine for industries of a few hundred firms.

use std::collections::VecDeque;

/// The structural-equivalence matrix `SE[i][j]` of the directed network
/// with out-neighbour lists `out` (node `i` sends to every node in `out[i]`),
/// cohesion exponent `v` (see the module docs). `SE[i][i] = 0`.
pub fn struct_equiv(out: &[Vec<usize>], v: f64) -> Vec<Vec<f64>> {
    let n = out.len();
    // 1. Geodesics by breadth-first search from every node; unreachable = 0.
    let mut z = vec![vec![0.0f64; n]; n];
    let mut dist = vec![usize::MAX; n];
    let mut queue = VecDeque::new();
    for s in 0..n {
        dist.iter_mut().for_each(|d| *d = usize::MAX);
        dist[s] = 0;
        queue.push_back(s);
        while let Some(a) = queue.pop_front() {
            for &b in &out[a] {
                if dist[b] == usize::MAX {
                    dist[b] = dist[a] + 1;
                    queue.push_back(b);
                }
            }
        }
        for t in 0..n {
            if t != s && dist[t] != usize::MAX {
                z[s][t] = dist[t] as f64;
            }
        }
    }
    let zmax = z.iter().flatten().copied().fold(0.0f64, f64::max);
    if zmax > 0.0 {
        z.iter_mut().flatten().for_each(|x| *x /= zmax);
    }
    // 2. Euclidean distances between the rows and columns of z.
    let mut d = vec![vec![0.0f64; n]; n];
    for i in 0..n {
        for j in i + 1..n {
            let mut s = (z[i][j] - z[j][i]).powi(2);
            for k in (0..n).filter(|&k| k != i && k != j) {
                s += (z[i][k] - z[j][k]).powi(2) + (z[k][i] - z[k][j]).powi(2);
            }
            d[i][j] = s.sqrt();
            d[j][i] = d[i][j];
        }
    }
    // 3. Weights.
    (0..n)
        .map(|i| {
            let dmax = (0..n).filter(|&j| j != i).map(|j| d[i][j]).fold(0.0f64, f64::max);
            let raw: Vec<f64> = (0..n).map(|j| if j == i { 0.0 } else { (dmax - d[i][j]).powf(v) }).collect();
            let total: f64 = raw.iter().sum();
            if total > 0.0 { raw.into_iter().map(|x| x / total).collect() } else { vec![0.0; n] }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// netdiffuseR's own test graph (tests/testthat/test-struct_equiv.R,
    /// `matrix(c(0,0,1,0, 1,0,1,0, 0,1,0,1, 0,0,0,0), ncol = 4)`, rows send, read by
    /// column): 1→2, 2→3, 3→1, 3→2, 4→3. Geodesics worked by hand (row = from, unreachable 0):
    /// [[0,1,2,0],[2,0,1,0],[1,1,0,0],[2,2,1,0]], divided by their maximum 2.
    #[test]
    fn netdiffuser_example_by_hand() {
        let out = vec![vec![1], vec![2], vec![0, 1], vec![2]];
        let se = struct_equiv(&out, 1.0);
        let z = [[0.0, 1.0, 2.0, 0.0], [2.0, 0.0, 1.0, 0.0], [1.0, 1.0, 0.0, 0.0], [2.0, 2.0, 1.0, 0.0]];
        let z: Vec<Vec<f64>> = z.iter().map(|r| r.iter().map(|x| x / 2.0).collect()).collect();
        let mut d = [[0.0f64; 4]; 4];
        for i in 0..4 {
            for j in 0..4 {
                if i == j {
                    continue;
                }
                let mut s = (z[i][j] - z[j][i]).powi(2);
                for k in 0..4 {
                    if k != i && k != j {
                        s += (z[j][k] - z[i][k]).powi(2) + (z[k][j] - z[k][i]).powi(2);
                    }
                }
                d[i][j] = s.sqrt();
            }
        }
        // d(1,2) by hand: (1/2 − 1)² + [(1 − 1/2)² + (0 − 0)²] + [(1/2 − 1/2)² + (1 − 1)²] = 1/2.
        assert!((d[0][1] - 0.5f64.sqrt()).abs() < 1e-15);
        for i in 0..4 {
            let dmax = (0..4).filter(|&j| j != i).map(|j| d[i][j]).fold(0.0, f64::max);
            let total: f64 = (0..4).filter(|&k| k != i).map(|k| dmax - d[i][k]).sum();
            for j in 0..4 {
                let want = if i == j { 0.0 } else { (dmax - d[i][j]) / total };
                assert!((se[i][j] - want).abs() < 1e-12, "SE[{i}][{j}] = {} want {want}", se[i][j]);
            }
            assert!(((0..4).map(|j| se[i][j]).sum::<f64>() - 1.0).abs() < 1e-12);
        }
    }

    #[test]
    fn empty_network_gives_zero_weights() {
        let se = struct_equiv(&[vec![], vec![], vec![]], 1.0);
        assert!(se.iter().flatten().all(|x| *x == 0.0));
    }

    #[test]
    fn two_firms_with_the_same_ties_are_equivalent() {
        // 0 and 1 both send to 2 and 3; 4 sends to nobody.
        let out = vec![vec![2, 3], vec![2, 3], vec![], vec![], vec![]];
        let se = struct_equiv(&out, 1.0);
        let best = (0..5).filter(|&j| j != 0).max_by(|&a, &b| se[0][a].total_cmp(&se[0][b])).unwrap();
        assert_eq!(best, 1);
    }
}
