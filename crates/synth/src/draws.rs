//! The generator's random streams: one ChaCha8 stream per table (and per
//! supplementary table), so that changing one table's draws leaves the
//! others alone, and the standard normal draw they share. Owns [`Stream`],
//! [`rng`] and [`normal`]; imports nothing of its siblings.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Random streams: the core tables 1–8, the supplementary evidence 11–15.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Stream {
    Models = 1,
    Suppliers = 2,
    Moves = 3,
    Levels = 4,
    Strengths = 5,
    Noise = 6,
    Production = 7,
    JvFirmPattern = 8,
    Attributes = 11,
    Halves = 12,
    Choices = 13,
    Brands = 14,
    Patents = 15,
}

/// The generator of `stream` for `seed`.
pub(crate) fn rng(seed: u64, stream: Stream) -> ChaCha8Rng {
    let mut r = ChaCha8Rng::seed_from_u64(seed);
    r.set_stream(stream as u64);
    r
}

/// A standard normal draw (Box–Muller, one value per call).
pub(crate) fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1: f64 = 1.0 - rng.random::<f64>(); // (0, 1]
    let u2: f64 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}
