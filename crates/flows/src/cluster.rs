//! The Apache Ballista engine ([`crate::Engine::Ballista`], feature
//! `ballista`): the plan of [`crate::aggregate_moves`], unchanged, run on a
//! Ballista cluster instead of in this process; and [`LocalCluster`], a
//! scheduler with executors inside this process for tests, benchmarks and
//! trying the engine on one machine. Imports `plan` and the crate root.
//!
//! # What the cluster needs
//!
//! - **The file at the same path on every node.** This process (the
//!   client) reads the file first (the CSV byte scan; a Parquet footer for
//!   the schema), the scheduler lists it to cut it into tasks and every
//!   executor reads its share, all by the file's absolute, canonical path
//!   here. So the path must name the same file on the client, the scheduler
//!   and every executor: a shared filesystem mounted at the same place, or
//!   identical copies at the same path. A node that cannot read it fails
//!   the job, which is [`crate::Outcome::NeedsNative`] with DataFusion's
//!   message (the native loader then reads the file here).
//! - **Stock binaries.** The plan is a CSV scan with an explicit schema (or
//!   a Parquet scan) and built-in functions only — `cast`, `try_cast`,
//!   `nullif`, `btrim`, `coalesce`, `CASE WHEN`, and the `count`, `sum` and
//!   `max` aggregates — which DataFusion's protobuf serialisation carries
//!   and which every scheduler and executor resolves by name: stock
//!   `ballista-scheduler` and `ballista-executor` 55 run it, with no
//!   extension codec and no user-defined function.
//! - **A scheduler that answers.** Before the plan is built, the scheduler
//!   gets one gRPC call ([`PROBE_TIMEOUT`]); a scheduler that cannot be
//!   reached is [`FlowsError::Session`] naming its address, whatever the
//!   file holds — never a quiet fall back to the native loader. Data
//!   problems stay [`crate::Outcome::NeedsNative`], as in-process; so does
//!   a job the cluster fails (a node that cannot read the file, a scheduler
//!   that goes away mid-job), with Ballista's message. A scheduler without
//!   executors accepts the job and the call waits until one registers:
//!   Ballista 55 has no job timeout.
//!
//! # What comes back
//!
//! Only the aggregated rows — one per distinct (from_firm, to_firm, year),
//! with its five counters — stream back to the client over Arrow Flight,
//! from the executors (or a Flight proxy the scheduler names): the client
//! holds O(distinct triples), whatever the size of the file. The executors'
//! memory limits and spilling are their own configuration.
//!
//! # Tokio
//!
//! [`crate::aggregate_moves`] makes its own runtime, so it must be called
//! outside any tokio runtime's async context (from plain threads, as the
//! loader and the tests do). [`LocalCluster`] runs on a runtime of its own
//! too, so one thread can start a cluster and then aggregate on it.

use std::net::Ipv4Addr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use ballista::prelude::SessionContextExt;
use ballista_core::config::TaskSchedulingPolicy;
use ballista_core::serde::BallistaCodec;
use ballista_core::serde::protobuf::GetJobStatusParams;
use ballista_core::serde::protobuf::scheduler_grpc_client::SchedulerGrpcClient;
use ballista_core::utils::{GrpcClientConfig, create_grpc_client_endpoint};
use ballista_scheduler::cluster::BallistaCluster;
use ballista_scheduler::config::SchedulerConfig;
use ballista_scheduler::scheduler_process::{create_scheduler, start_grpc_service_with_listener};
use datafusion::error::DataFusionError;
use datafusion::prelude::SessionContext;
use datafusion_proto::protobuf::{LogicalPlanNode, PhysicalPlanNode};

use crate::{Engine, FileFormat, FlowsError, MovesColumns, Outcome, Rules, plan};

/// Ballista's default scheduler port, taken when the address has none.
pub const DEFAULT_PORT: u16 = 50050;

/// How long the scheduler may take to answer the probe before the engine
/// gives up with [`FlowsError::Session`] (connecting: half of it).
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(10);

/// Threads of the client's runtime: it plans, waits for the job and
/// decodes the aggregated rows; the work runs on the executors.
const CLIENT_THREADS: usize = 2;

/// An Apache Ballista cluster, named by the address of its scheduler.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cluster {
    /// The scheduler's address as `df://HOST:PORT`, the form
    /// `SessionContext::remote` takes; [`Cluster::new`] writes
    /// `ballista://HOST:PORT` so.
    pub url: String,
}

impl Cluster {
    /// The cluster whose scheduler listens at `url`: `ballista://HOST:PORT`
    /// or `df://HOST:PORT`, HOST a name, an IPv4 address or a bracketed IPv6
    /// address, PORT [`DEFAULT_PORT`] when left out. The error says what is
    /// accepted.
    pub fn new(url: &str) -> Result<Cluster, String> {
        let (host, port) = scheduler_address(url)?;
        Ok(Cluster { url: format!("df://{host}:{port}") })
    }
}

/// The scheduler's host and port in `url` (see [`Cluster::new`]).
fn scheduler_address(url: &str) -> Result<(String, u16), String> {
    let bad = |why: &str| {
        format!(
            "`{url}` is not a Ballista scheduler address ({why}): expected `ballista://HOST:PORT`, e.g. `ballista://127.0.0.1:{DEFAULT_PORT}`"
        )
    };
    let u = url::Url::parse(url).map_err(|e| bad(&e.to_string()))?;
    if !matches!(u.scheme(), "ballista" | "df") {
        return Err(bad("the scheme is neither `ballista` nor `df`"));
    }
    let host = u.host_str().filter(|h| !h.is_empty()).ok_or_else(|| bad("no host"))?;
    if !u.username().is_empty() || u.password().is_some() || u.query().is_some() || u.fragment().is_some() {
        return Err(bad("only a host and a port are allowed"));
    }
    if !matches!(u.path(), "" | "/") {
        return Err(bad("a path after the port"));
    }
    Ok((host.to_owned(), u.port().unwrap_or(DEFAULT_PORT)))
}

/// Run the plan on `cluster` (see the module docs): the scheduler is
/// probed, then the plan of [`crate::aggregate_moves`] runs in a
/// `SessionContext::remote` session.
pub(crate) fn run_on_cluster(
    path: &Path,
    format: FileFormat,
    columns: MovesColumns,
    rules: &Rules<'_>,
    cluster: &Cluster,
) -> Result<Outcome, FlowsError> {
    let (host, port) = scheduler_address(&cluster.url).map_err(FlowsError::Session)?;
    let context = async || {
        probe(&format!("http://{host}:{port}"), &cluster.url).await?;
        SessionContext::remote(&format!("df://{host}:{port}")).await
    };
    plan::run(path, format, columns, rules, CLIENT_THREADS, context)
}

/// One gRPC call to the scheduler at `http` (a job status no job has),
/// within [`PROBE_TIMEOUT`]; the error names `shown`. `SessionContext::remote`
/// connects only when the plan runs, and a failure there would read as a
/// data problem.
async fn probe(http: &str, shown: &str) -> datafusion::error::Result<()> {
    let half = PROBE_TIMEOUT.as_secs() / 2;
    let config =
        GrpcClientConfig { connect_timeout_seconds: half, timeout_seconds: half, ..GrpcClientConfig::default() };
    let call = async {
        let endpoint = create_grpc_client_endpoint(http.to_owned(), Some(&config)).map_err(|e| causes(&e))?;
        let channel = endpoint.connect().await.map_err(|e| causes(&e))?;
        let params = GetJobStatusParams { job_id: "spillnet-flows-probe".into() };
        SchedulerGrpcClient::new(channel).get_job_status(params).await.map_err(|e| e.message().to_owned())?;
        Ok::<_, String>(())
    };
    let why = match tokio::time::timeout(PROBE_TIMEOUT, call).await {
        Ok(Ok(())) => return Ok(()),
        Ok(Err(why)) => why,
        Err(_) => format!("no answer within {} s", PROBE_TIMEOUT.as_secs()),
    };
    Err(DataFusionError::Execution(format!("no Ballista scheduler answers at {shown}: {why}")))
}

/// An error and its sources, `: `-separated (tonic's transport error says
/// only "transport error"; the cause is in its sources).
fn causes(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let s_text = s.to_string();
        if !out.ends_with(&s_text) {
            out.push_str(": ");
            out.push_str(&s_text);
        }
        source = s.source();
    }
    out
}

/// Seconds a [`LocalCluster`]'s executors keep a finished job's output
/// (long enough for the client to fetch it; Ballista's default is 300).
const JOB_DATA_SECS: u64 = 60;

/// How long [`LocalCluster::start`] waits for the scheduler to come up and
/// every executor to register.
pub const START_TIMEOUT: Duration = Duration::from_secs(60);

/// A Ballista scheduler and executors in this process, on 127.0.0.1, on a
/// tokio runtime of their own — for tests, benchmarks and trying the engine
/// on one machine (`examples/local_cluster.rs`). The scheduler hands tasks
/// to executors that poll it (pull-staged scheduling). Executors keep
/// shuffle files in folders of the system's temporary folder: a job's
/// intermediate files go when it succeeds, its output a minute later —
/// unless the cluster stops first, which leaves them behind (small for this
/// plan: partial aggregates). Dropping the value stops them all (drop it
/// outside any async context).
#[derive(Debug)]
pub struct LocalCluster {
    /// The scheduler's address.
    cluster: Cluster,
    /// Runs the scheduler and the executors; `None` once shut down.
    runtime: Option<tokio::runtime::Runtime>,
}

impl LocalCluster {
    /// Start a scheduler on 127.0.0.1:`port` (0: a free port the system
    /// picks) and `executors` executors of `vcores` task slots each, and
    /// wait (up to [`START_TIMEOUT`]) until every executor has registered.
    pub fn start(port: u16, executors: usize, vcores: usize) -> Result<LocalCluster, FlowsError> {
        let fail = |e: String| FlowsError::LocalCluster(e);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("ballista-local")
            .enable_all()
            .build()
            .map_err(|e| fail(e.to_string()))?;
        let port = runtime
            .block_on(async { tokio::time::timeout(START_TIMEOUT, start(port, executors, vcores.max(1))).await })
            .map_err(|_| fail(format!("not ready within {} s", START_TIMEOUT.as_secs())))?
            .map_err(fail)?;
        let cluster = Cluster { url: format!("df://127.0.0.1:{port}") };
        Ok(LocalCluster { cluster, runtime: Some(runtime) })
    }

    /// The scheduler's address.
    pub fn cluster(&self) -> &Cluster {
        &self.cluster
    }

    /// The engine that runs on this cluster.
    pub fn engine(&self) -> Engine {
        Engine::Ballista(self.cluster.clone())
    }

    /// The scheduler's port.
    pub fn port(&self) -> u16 {
        scheduler_address(&self.cluster.url).map_or(0, |(_, port)| port)
    }
}

impl Drop for LocalCluster {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_timeout(Duration::from_secs(5));
        }
    }
}

/// The body of [`LocalCluster::start`]: the scheduler's port.
async fn start(port: u16, executors: usize, vcores: usize) -> Result<u16, String> {
    let listener =
        tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, port)).await.map_err(|e| format!("port {port}: {e}"))?;
    let port = listener.local_addr().map_err(|e| causes(&e))?.port();
    let config = SchedulerConfig::default()
        .with_hostname(Ipv4Addr::LOCALHOST.to_string())
        .with_port(port)
        .with_scheduler_policy(TaskSchedulingPolicy::PullStaged)
        .with_finished_job_data_clean_up_interval_seconds(JOB_DATA_SECS);
    let state = BallistaCluster::new_from_config(&config).await.map_err(|e| causes(&e))?;
    let scheduler =
        create_scheduler::<LogicalPlanNode, PhysicalPlanNode>(state, Arc::new(config)).await.map_err(|e| causes(&e))?;
    let state = scheduler.state.clone();
    tokio::spawn(start_grpc_service_with_listener(listener, scheduler));
    let url = format!("http://{}:{port}", Ipv4Addr::LOCALHOST);
    for _ in 0..executors {
        let client = SchedulerGrpcClient::connect(url.clone()).await.map_err(|e| causes(&e))?;
        ballista_executor::new_standalone_executor(client, vcores, BallistaCodec::default())
            .await
            .map_err(|e| causes(&e))?;
    }
    loop {
        let registered = state.executor_manager.get_executors_state().await.map_err(|e| causes(&e))?;
        if registered.len() >= executors {
            return Ok(port);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
