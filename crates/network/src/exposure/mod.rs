//! Channel exposure (SPEC §3): pair attributes between domestic (follower)
//! and JV (leader) units, and channel-weighted exposure measures.
//!
//! - [`pairs`]: the same-year domestic-model × JV-model pair panel with its
//!   channel attributes (SameGroup, SameSeg, SameProv, WorkerFlow,
//!   SupplierOverlap, JV age, cumulative production), exclusions counted.
//! - [`measure`]: Exposure^c_{d,k,t} = Σ_j w^c_{d,j,t} · Q_{j,k,t}, summed
//!   over the JV units with a possibly nonzero weight only.
//! - [`dense`]: the same sums over every JV unit, the tests' bitwise reference.
//!
//! Imports `io::tables`, `graph`, `ids`, `error`; never `estimate`.

pub mod dense;
pub mod measure;
pub mod pairs;
pub mod structural;

/// Why pair attributes or exposures could not be computed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExposureError {
    /// The data cannot support the requested computation (names what is missing).
    #[error("{0}")]
    Data(String),
    /// A channel could not be computed.
    #[error(transparent)]
    Channel(#[from] crate::channels::ChannelError),
}
