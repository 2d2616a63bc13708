//! The benchmark harness: a deterministic dataset generator (`bench seed`), a load runner
//! (`bench run`), the matching algorithms (`bench dispatch`) and the power-outage triage list at
//! the API (`bench triage`). See BENCHMARKS.md for the method and the latest figures.

pub mod dispatch;
pub mod run;
pub mod seed;
pub mod triage;

use std::path::PathBuf;

use clap::{Args, Subcommand};

/// `tsunagu bench …`
#[derive(Subcommand)]
pub enum BenchCmd {
    /// Load a synthetic dataset into an empty database.
    Seed {
        /// national (20,000 children, 2,000,000 consultations), tenth or smoke.
        #[arg(long, default_value = "tenth")]
        scale: String,
        /// Generator seed: the same seed gives the same data.
        #[arg(long, default_value_t = seed::DEFAULT_SEED)]
        seed: u64,
        #[command(flatten)]
        db: crate::DbArgs,
    },
    /// Measure every scenario against a server on a loopback port and print the table.
    Run(RunArgs),
    /// Time the coordinator-matching algorithms (ranking, batch assignment) on synthetic data.
    Dispatch {
        /// Coordinators for ranking one request.
        #[arg(long, default_value_t = 5_000)]
        coordinators: usize,
        /// Requests in the batch.
        #[arg(long, default_value_t = 500)]
        requests: usize,
        /// Coordinators for the batch.
        #[arg(long, default_value_t = 2_000)]
        batch_coordinators: usize,
        /// Percentage of batch requests needing a nurse and a welfare coordinator.
        #[arg(long, default_value_t = 10)]
        pair_percent: u32,
        /// Rankings to time (the median is reported).
        #[arg(long, default_value_t = 51)]
        repeats: usize,
        /// Generator seed.
        #[arg(long, default_value_t = seed::DEFAULT_SEED)]
        seed: u64,
    },
    /// Time the power-outage triage list at the API on fresh databases (prefecture and all).
    Triage(TriageArgs),
}

/// Flags of `tsunagu bench triage`.
#[derive(Args)]
pub struct TriageArgs {
    /// Power-dependent children of the center for the "all children" case.
    #[arg(long, default_value_t = 20_000)]
    children: usize,
    /// Children of the prefecture-wide case (東京都-sized); 0 or ≥ --children skips it.
    #[arg(long, default_value_t = 1_600)]
    prefecture_children: usize,
    /// Timed sequential requests per endpoint.
    #[arg(long, default_value_t = 50)]
    requests: usize,
    /// Untimed requests before them.
    #[arg(long, default_value_t = 5)]
    warmups: usize,
    /// Folder for the SQLite databases (emptied per case); default: a temporary folder.
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// PostgreSQL server URL: a fresh database per case is created on it and dropped after.
    #[arg(long)]
    database_url: Option<String>,
    /// Generator seed.
    #[arg(long, default_value_t = seed::DEFAULT_SEED)]
    seed: u64,
    /// Also append the Markdown tables to this file.
    #[arg(long)]
    output: Option<PathBuf>,
}

/// Flags of `tsunagu bench run`.
#[derive(Args)]
pub struct RunArgs {
    /// Dataset scale: national, tenth or smoke (seeded on first use, then reused).
    #[arg(long, default_value = "national")]
    scale: String,
    /// Also run at this scale and print the latency growth between the two.
    #[arg(long)]
    compare: Option<String>,
    /// Seconds of load per scenario.
    #[arg(long, default_value_t = 10)]
    duration: u64,
    /// Concurrent connections.
    #[arg(long, default_value_t = 32)]
    connections: usize,
    /// Folder for the SQLite bench databases (one per scale).
    #[arg(long, default_value = "./tsunagu-bench")]
    bench_dir: PathBuf,
    /// PostgreSQL server URL; the bench creates databases tsunagu_bench_<scale> on it.
    #[arg(long)]
    database_url: Option<String>,
    /// Generator seed for datasets that still need seeding.
    #[arg(long, default_value_t = seed::DEFAULT_SEED)]
    seed: u64,
    /// Also append the Markdown tables to this file.
    #[arg(long)]
    output: Option<PathBuf>,
    /// Run only the scenarios whose name contains this text (plus the baseline).
    #[arg(long)]
    only: Option<String>,
    /// Fail (exit 1) if any request errored: for the CI smoke run.
    #[arg(long)]
    fail_on_errors: bool,
}

/// Run a bench subcommand.
pub async fn main(cmd: BenchCmd) -> anyhow::Result<()> {
    match cmd {
        BenchCmd::Seed { scale, seed, db } => {
            let scale = seed::Scale::parse(&scale)?;
            let store = crate::open(&db).await?;
            let summary = seed::seed(&store, scale, seed, |m| println!("{m}")).await?;
            for (table, n) in summary.rows {
                println!("  {table:<24} {n:>10}");
            }
            Ok(())
        }
        BenchCmd::Dispatch {
            coordinators,
            requests,
            batch_coordinators,
            pair_percent,
            repeats,
            seed,
        } => {
            if coordinators == 0 || batch_coordinators == 0 || requests == 0 || pair_percent > 100 {
                anyhow::bail!("sizes must be at least 1 and --pair-percent 0–100");
            }
            let report = dispatch::run(
                dispatch::DispatchSizes {
                    rank_coordinators: coordinators,
                    batch_requests: requests,
                    batch_coordinators,
                    pair_percent,
                    repeats,
                },
                seed,
            )?;
            println!("{report}");
            Ok(())
        }
        BenchCmd::Triage(args) => {
            if args.requests == 0 || args.requests > 10_000 || args.children > 1_000_000 {
                anyhow::bail!("--requests must be 1–10,000 and --children at most 1,000,000");
            }
            let opts = triage::TriageOptions {
                children: args.children,
                prefecture_children: args.prefecture_children,
                requests: args.requests,
                warmups: args.warmups,
                data_dir: args.data_dir,
                database_url: args.database_url,
                seed: args.seed,
            };
            let reports = triage::run(&opts).await?;
            let t = triage::table(&reports, &opts);
            println!("\n{t}");
            if let Some(path) = args.output {
                use std::io::Write;
                let mut f = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&path)?;
                f.write_all(t.as_bytes())?;
            }
            Ok(())
        }
        BenchCmd::Run(args) => {
            if args.connections == 0
                || args.connections > 1024
                || args.duration == 0
                || args.duration > 600
            {
                anyhow::bail!("--connections must be 1–1024 and --duration 1–600 seconds");
            }
            let opts = run::RunOptions {
                seconds: args.duration,
                connections: args.connections,
                bench_dir: args.bench_dir,
                postgres: args.database_url,
                seed: args.seed,
                only: args.only,
            };
            let mut reports = Vec::new();
            let mut scales = Vec::new();
            if let Some(c) = &args.compare {
                scales.push(seed::Scale::parse(c)?);
            }
            scales.push(seed::Scale::parse(&args.scale)?);
            let mut out = String::new();
            for scale in scales {
                println!("== {} ==", scale.name);
                let r = run::run_scale(scale, &opts).await?;
                let t = run::table(&r);
                println!("\n{t}");
                out.push_str(&t);
                out.push('\n');
                reports.push(r);
            }
            if let [small, large] = reports.as_slice() {
                let g = run::growth(small, large);
                println!("{g}");
                out.push_str(&g);
            }
            if let Some(path) = args.output {
                use std::io::Write;
                let mut f = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&path)?;
                f.write_all(out.as_bytes())?;
            }
            let errors: u64 = reports.iter().flat_map(|r| &r.rows).map(|m| m.errors).sum();
            if args.fail_on_errors && errors > 0 {
                anyhow::bail!("{errors} requests failed");
            }
            Ok(())
        }
    }
}
