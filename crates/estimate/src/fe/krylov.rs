//! Krylov demeaning: preconditioned conjugate gradient on the normal
//! equations of the fixed-effect dummies (CGLS form), never forming the
//! dummies. Owns [`cg_column`] and its kernels; imports `FeIndex` and the
//! two-fixed-effect solve (`schur`) from `fe`.
//!
//! # Algorithm
//!
//! With $D = [D_1 \cdots D_Q]$ the dummies of the $Q$ fixed effects and $W$
//! the weights, the residual $M_D x = x - D\hat\alpha$ solves
//! $D'WD\,\alpha = D'Wx$. $A = D'WD$ is positive semi-definite and singular
//! (one redundant level per extra fixed effect and connected component), but
//! the system is consistent ($D'Wx \in \operatorname{range} A$), so CG started
//! anywhere in $x + \operatorname{range} D$ converges in the range, and the
//! residual $x - D\alpha$ — which is all we return — is unique. The
//! iteration keeps the residual $e = x - D\alpha$ itself (CGLS), recomputes
//! the gradient $r = D'We$ from it each step (no drift of a recurrence
//! residual), and never stores $\alpha$:
//!
//! $$u = Dp,\quad a = \frac{r'z}{u'Wu},\quad e \leftarrow e - a\,u,\quad
//! r = D'We,\quad z = M^{-1}r,\quad p \leftarrow z + \frac{r'z}{r_{\text{old}}'z_{\text{old}}}\,p.$$
//!
//! Preconditioner $M$: the exact block of the two largest fixed effects
//! (a sparse Cholesky factor of their Schur complement, [`TwoFeSolve`] in
//! module `schur`, when its factor fits the budget; an incomplete Cholesky
//! factor of the Schur complement when only the complement fits) and the diagonal of $A$
//! (the weighted level sizes, Jacobi) for the other fixed effects. With two
//! fixed effects $M = A$ and CG ends after one step; with worker × firm ×
//! year the year block is the only approximate part, and the iterations no
//! longer grow with the length of the chains of firms that make alternating
//! projections (and Jacobi-preconditioned CG) slow. Per iteration: two
//! passes over the observations ($Q$ gathers, then $Q$ scatters), like one
//! alternating-projections sweep, plus one sparse triangular solve pair;
//! memory one extra $N$-vector per column plus four vectors of length
//! $\sum_q L_q$.
//!
//! Stopping rule: the change of the projected column in the step,
//! $\lvert a\rvert\,\lVert u\rVert_W$, relative to the norm of the column
//! $\lVert x\rVert_W$, below `tol` on two consecutive iterations (a CG step
//! can be small by chance while the error is not).
//!
//! References: Hestenes & Stiefel (1952); Björck, *Numerical Methods for
//! Least Squares Problems* (1996), §7.4 (CGLS); Correia (2017, reghdfe) and
//! Gaure (2013, lfe) for Krylov solvers on fixed-effect designs.

use super::FeIndex;
use super::schur::{SolveScratch, TwoFeSolve};

/// Outcome of [`cg_column`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct CgOutcome {
    /// CG iterations performed.
    pub iterations: usize,
    /// Whether the stopping rule was met.
    pub converged: bool,
    /// Last relative change of the projected column.
    pub criterion: f64,
}

/// Flat layout of the fixed-effect coefficients: FE `q` owns
/// `offs[q]..offs[q + 1]`.
struct Layout<'a> {
    codes: Vec<&'a [u32]>,
    offs: Vec<usize>,
    inv_size: Vec<f64>,
}

impl<'a> Layout<'a> {
    fn new(fes: &'a [FeIndex]) -> Self {
        let mut offs = Vec::with_capacity(fes.len() + 1);
        let mut total = 0;
        for f in fes {
            offs.push(total);
            total += f.n_levels;
        }
        offs.push(total);
        let inv_size = fes.iter().flat_map(|f| f.inv_size.iter().copied()).collect();
        Layout { codes: fes.iter().map(|f| f.codes.as_slice()).collect(), offs, inv_size }
    }

    fn len(&self) -> usize {
        *self.offs.last().unwrap_or(&0)
    }
}

/// $u = D p$; returns $u'Wu$.
fn gather(p: &[f64], lay: &Layout<'_>, weights: Option<&[f64]>, u: &mut [f64]) -> f64 {
    let mut norm = 0.0;
    match lay.codes.as_slice() {
        [c0, c1] => {
            let (p0, p1) = p.split_at(lay.offs[1]);
            for i in 0..u.len() {
                u[i] = p0[c0[i] as usize] + p1[c1[i] as usize];
            }
        }
        [c0, c1, c2] => {
            let (p0, rest) = p.split_at(lay.offs[1]);
            let (p1, p2) = rest.split_at(lay.offs[2] - lay.offs[1]);
            for i in 0..u.len() {
                u[i] = p0[c0[i] as usize] + p1[c1[i] as usize] + p2[c2[i] as usize];
            }
        }
        codes => {
            for (i, ui) in u.iter_mut().enumerate() {
                *ui = codes.iter().zip(&lay.offs).map(|(c, o)| p[o + c[i] as usize]).sum();
            }
        }
    }
    match weights {
        Some(w) => u.iter().zip(w).for_each(|(v, wi)| norm += wi * v * v),
        None => u.iter().for_each(|v| norm += v * v),
    }
    norm
}

/// $e \leftarrow e - a\,u$ and $r = D'We$ (fused).
fn step_and_scatter(a: f64, u: &[f64], e: &mut [f64], lay: &Layout<'_>, weights: Option<&[f64]>, r: &mut [f64]) {
    r.fill(0.0);
    let wv = |i: usize, v: f64| weights.map_or(v, |w| w[i] * v);
    match lay.codes.as_slice() {
        [c0, c1] => {
            let (r0, r1) = r.split_at_mut(lay.offs[1]);
            for i in 0..e.len() {
                let v = e[i] - a * u[i];
                e[i] = v;
                let v = wv(i, v);
                r0[c0[i] as usize] += v;
                r1[c1[i] as usize] += v;
            }
        }
        [c0, c1, c2] => {
            let (r0, rest) = r.split_at_mut(lay.offs[1]);
            let (r1, r2) = rest.split_at_mut(lay.offs[2] - lay.offs[1]);
            for i in 0..e.len() {
                let v = e[i] - a * u[i];
                e[i] = v;
                let v = wv(i, v);
                r0[c0[i] as usize] += v;
                r1[c1[i] as usize] += v;
                r2[c2[i] as usize] += v;
            }
        }
        codes => {
            for i in 0..e.len() {
                let v = e[i] - a * u[i];
                e[i] = v;
                let v = wv(i, v);
                for (c, o) in codes.iter().zip(&lay.offs) {
                    r[o + c[i] as usize] += v;
                }
            }
        }
    }
}

/// $z = M^{-1} r$: the exact two-fixed-effect solve on its block when
/// given, Jacobi over levels elsewhere; returns $r'z$.
fn precondition(r: &[f64], lay: &Layout<'_>, two: Option<(&TwoFeSolve, &mut SolveScratch)>, z: &mut [f64]) -> f64 {
    for ((zi, ri), inv) in z.iter_mut().zip(r).zip(&lay.inv_size) {
        *zi = ri * inv;
    }
    if let Some((t, scratch)) = two {
        let range = |q: usize| lay.offs[q]..lay.offs[q + 1];
        let (ra, rb) = (range(t.a), range(t.b));
        // The two blocks are disjoint ranges of z.
        let (za, zb) = if ra.start < rb.start {
            let (lo, hi) = z.split_at_mut(rb.start);
            (&mut lo[ra.clone()], &mut hi[..rb.len()])
        } else {
            let (lo, hi) = z.split_at_mut(ra.start);
            (&mut hi[..ra.len()], &mut lo[rb.clone()])
        };
        t.solve(&r[ra.clone()], &r[rb.clone()], za, zb, scratch);
    }
    r.iter().zip(z.iter()).map(|(a, b)| a * b).sum()
}

/// Project one column on the orthogonal complement of the dummies by
/// preconditioned CG (see the module docs).
///
/// # Arguments
/// * `e` — on entry a point of $x + \operatorname{range} D$ (the column
///   itself, or a partly demeaned iterate); on exit $M_D x$.
/// * `x_norm` — $\lVert x\rVert_W$ of the original column (the stopping
///   rule's scale).
/// * `fes`, `weights` — the fixed effects and optional weights.
/// * `tol`, `max_iter` — stopping rule and budget.
/// * `two` — the exact solve of the two largest fixed effects used as the
///   preconditioner's block for them (else Jacobi everywhere).
///
/// # Complexity
/// $O(N Q)$ per iteration; the number of iterations grows with the square
/// root of the condition number of the preconditioned $D'WD$.
pub(super) fn cg_column(
    e: &mut [f64],
    x_norm: f64,
    fes: &[FeIndex],
    weights: Option<&[f64]>,
    tol: f64,
    max_iter: usize,
    two: Option<&TwoFeSolve>,
) -> CgOutcome {
    if fes.is_empty() || x_norm == 0.0 || !x_norm.is_finite() {
        return CgOutcome { iterations: 0, converged: x_norm.is_finite(), criterion: 0.0 };
    }
    let lay = Layout::new(fes);
    let n_coef = lay.len();
    let mut r = vec![0.0; n_coef];
    let mut z = vec![0.0; n_coef];
    let mut u = vec![0.0; e.len()];
    let mut scratch = two.map(TwoFeSolve::scratch);
    let mut pre = |r: &[f64], z: &mut [f64]| precondition(r, &lay, two.zip(scratch.as_mut()), z);
    // r = D'W e (a zero step).
    step_and_scatter(0.0, &u, e, &lay, weights, &mut r);
    let mut rz = pre(&r, &mut z);
    let mut p = z.clone();
    let mut criterion = f64::INFINITY;
    let mut below = 0;
    for it in 1..=max_iter {
        if rz <= 0.0 {
            // The gradient is exactly zero: e is already M_D x.
            return CgOutcome { iterations: it - 1, converged: true, criterion: 0.0 };
        }
        let pap = gather(&p, &lay, weights, &mut u);
        if !(pap > 0.0 && pap.is_finite()) {
            // p lies in the null space of D (only rounding left to remove).
            return CgOutcome { iterations: it - 1, converged: pap == 0.0, criterion };
        }
        let a = rz / pap;
        criterion = a.abs() * pap.sqrt() / x_norm;
        step_and_scatter(a, &u, e, &lay, weights, &mut r);
        let rz_new = pre(&r, &mut z);
        let beta = rz_new / rz;
        rz = rz_new;
        p.iter_mut().zip(&z).for_each(|(pi, zi)| *pi = zi + beta * *pi);
        if criterion < tol {
            below += 1;
            if below >= 2 {
                return CgOutcome { iterations: it, converged: true, criterion };
            }
        } else {
            below = 0;
        }
    }
    CgOutcome { iterations: max_iter, converged: false, criterion }
}
