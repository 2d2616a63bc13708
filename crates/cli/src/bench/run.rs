//! `tsunagu bench run`: start the real server as a child process on a loopback port, drive HTTP
//! load at it with N concurrent connections for a fixed time per scenario, and print one table
//! with throughput, latency percentiles, errors and the ratio to a bare baseline endpoint measured
//! in the same run. A child process (not an in-process server) so that its memory is measured on
//! its own and the load generator's scheduler never shares a runtime with the server's.

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use chrono::NaiveDate;
use store::Store;

use super::seed::{center_login, Scale, BENCH_PASSWORD, FIRST_FISCAL_YEAR, FISCAL_YEARS};

/// The prefecture whose center the runner acts in: the largest one (北海道) so figures are the
/// pessimistic ones.
pub const BENCH_PREFECTURE: &str = "010006";

/// How one request of a scenario is made.
#[derive(Clone)]
enum Call {
    Get(String),
    PostForm(String, Vec<(String, String)>),
}

/// Who a scenario authenticates as.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Auth {
    None,
    Token,
    Session,
    /// Each request is a complete fresh login (GET /login, POST /login).
    Login,
}

struct Scenario {
    name: &'static str,
    auth: Auth,
    /// Requests cycle through these.
    calls: Vec<Call>,
    /// Status codes counted as success.
    ok: &'static [u16],
}

/// One scenario's measured figures.
#[derive(Clone, Debug)]
pub struct Measured {
    /// Scenario name.
    pub name: String,
    /// Completed requests per second.
    pub rps: f64,
    /// Median latency, milliseconds.
    pub p50: f64,
    /// 99th percentile latency, milliseconds.
    pub p99: f64,
    /// Slowest request, milliseconds.
    pub max: f64,
    /// Requests that failed or returned an unexpected status.
    pub errors: u64,
    /// What the first failed request got, for diagnosis.
    pub first_error: Option<String>,
    /// Server CPU time (user + system) per completed request, microseconds: the cost of the
    /// path itself, without the load generator's share of the cores.
    pub cpu_us: f64,
}

/// Everything one `bench run` at one scale produced.
#[derive(Clone, Debug)]
pub struct RunReport {
    /// Scale name.
    pub scale: String,
    /// Backend name.
    pub backend: String,
    /// Concurrent connections.
    pub connections: usize,
    /// Seconds per scenario.
    pub seconds: u64,
    /// Process start → first 200 on /healthz, milliseconds.
    pub cold_start_ms: f64,
    /// Server resident memory after the run, MiB.
    pub rss_mib: f64,
    /// Server peak resident memory, MiB.
    pub peak_rss_mib: f64,
    /// Rows by scenario; the first is the baseline.
    pub rows: Vec<Measured>,
    /// Whole-dataset fiscal-year report, timed in-process (ms), best of 5.
    pub national_report_ms: f64,
}

/// Options shared by every scale of one invocation.
pub struct RunOptions {
    /// Seconds per scenario.
    pub seconds: u64,
    /// Concurrent connections.
    pub connections: usize,
    /// Where SQLite bench databases live (one folder per scale).
    pub bench_dir: PathBuf,
    /// PostgreSQL server URL; bench databases `tsunagu_bench_<scale>` are created on it.
    pub postgres: Option<String>,
    /// Generator seed.
    pub seed: u64,
    /// Run only scenarios whose name contains this text (the baseline always runs).
    pub only: Option<String>,
}

/// The database URL for a scale, creating the PostgreSQL database when needed.
async fn database_for(scale: Scale, opts: &RunOptions) -> anyhow::Result<String> {
    match &opts.postgres {
        None => {
            let dir = opts.bench_dir.join(scale.name);
            std::fs::create_dir_all(&dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            Ok(format!("sqlite://{}", dir.join("tsunagu.db").display()))
        }
        Some(url) => {
            let name = format!("tsunagu_bench_{}", scale.name);
            let mut admin = <sqlx::PgConnection as sqlx::Connection>::connect(url)
                .await
                .with_context(|| format!("cannot connect to {url}"))?;
            let exists: Option<i32> =
                sqlx::query_scalar("SELECT 1 FROM pg_database WHERE datname = $1")
                    .bind(&name)
                    .fetch_optional(&mut admin)
                    .await?;
            if exists.is_none() {
                // The name is built from a fixed scale name, never from input.
                sqlx::query(&format!(
                    "CREATE DATABASE {name} ENCODING 'UTF8' TEMPLATE template0"
                ))
                .execute(&mut admin)
                .await?;
            }
            Ok(with_database(url, &name))
        }
    }
}

/// `url` with its database name replaced.
pub(crate) fn with_database(url: &str, name: &str) -> String {
    let (head, query) = match url.split_once('?') {
        Some((h, q)) => (h, format!("?{q}")),
        None => (url, String::new()),
    };
    let scheme_end = head.find("://").map_or(0, |i| i + 3);
    let server = match head[scheme_end..].find('/') {
        Some(i) => &head[..scheme_end + i],
        None => head,
    };
    format!("{server}/{name}{query}")
}

/// Open (seeding first if empty) the dataset for `scale`.
pub async fn prepared(scale: Scale, opts: &RunOptions) -> anyhow::Result<(Store, String)> {
    let url = database_for(scale, opts).await?;
    let store = Store::connect(&url).await?;
    if store.center_count().await? == 0 {
        println!(
            "seeding the {} dataset into {} (once; later runs reuse it)…",
            scale.name,
            store.backend().name()
        );
        super::seed::seed(&store, scale, opts.seed, |m| println!("  {m}")).await?;
    }
    let consultations: i64 = store::db::query_scalar("SELECT COUNT(*) FROM consultations")
        .fetch_one(store.pool())
        .await?;
    // A load that stopped half-way leaves a database the runner must not measure.
    if consultations < scale.consultations as i64 {
        bail!(
            "the {} dataset at {url} is incomplete ({consultations} of {} consultations); \
             delete it and run again",
            scale.name,
            scale.consultations
        );
    }
    Ok((store, url))
}

fn free_port() -> anyhow::Result<u16> {
    let l = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(l.local_addr()?.port())
}

pub(crate) struct Server {
    child: tokio::process::Child,
    pub(crate) base: String,
    pub(crate) pid: u32,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

/// Start `tsunagu serve` on the dataset and time process start → first 200.
pub(crate) async fn start_server(url: &str) -> anyhow::Result<(Server, f64)> {
    let exe = std::env::current_exe().context("cannot find the tsunagu binary")?;
    let port = free_port()?;
    let base = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    let child = tokio::process::Command::new(exe)
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--database-url",
            url,
        ])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .context("cannot start the server")?;
    let pid = child.id().context("server pid")?;
    let server = Server { child, base, pid };
    let http = reqwest::Client::new();
    loop {
        if let Ok(r) = http.get(format!("{}/healthz", server.base)).send().await {
            if r.status() == 200 {
                break;
            }
        }
        if started.elapsed() > Duration::from_secs(60) {
            bail!("the server did not answer within 60 s");
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    Ok((server, started.elapsed().as_secs_f64() * 1000.0))
}

/// CPU seconds (user + system) a process has used so far, from /proc.
pub(crate) fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name, which is in parentheses and may contain spaces.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name and state.
    (ticks(11) + ticks(12)) / CLOCK_TICKS
}

/// Kernel clock ticks per second (USER_HZ), 100 on Linux.
const CLOCK_TICKS: f64 = 100.0;

/// (current, peak) resident memory of a process in MiB, from /proc.
fn rss_mib(pid: u32) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn hidden_csrf(html: &str) -> Option<String> {
    let i = html.find("name=\"_csrf\" value=\"")? + "name=\"_csrf\" value=\"".len();
    let rest = &html[i..];
    Some(rest[..rest.find('"')?].to_string())
}

/// Log in through the form like a browser; returns the client (holding the cookie) and the
/// session cookie header value.
async fn login_session(base: &str, login: &str) -> anyhow::Result<(reqwest::Client, String)> {
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let page = http
        .get(format!("{base}/login"))
        .send()
        .await?
        .text()
        .await?;
    let token = hidden_csrf(&page).context("login page has no CSRF token")?;
    let r = http
        .post(format!("{base}/login"))
        .form(&[
            ("_csrf", token.as_str()),
            ("login", login),
            ("password", BENCH_PASSWORD),
        ])
        .send()
        .await?;
    if r.status() != 303 {
        bail!("bench login {login} failed: {}", r.status());
    }
    let cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("tsunagu_session="))
        .and_then(|c| c.split(';').next())
        .context("no session cookie")?
        .to_string();
    Ok((http, cookie))
}

/// A logged-in session: (cookie header, CSRF token).
async fn login(base: &str, login: &str) -> anyhow::Result<(String, String)> {
    let (http, cookie) = login_session(base, login).await?;
    let page = http
        .get(format!("{base}/intake"))
        .send()
        .await?
        .text()
        .await?;
    let csrf = hidden_csrf(&page).context("intake page has no CSRF token")?;
    Ok((cookie, csrf))
}

struct Credentials {
    token: String,
    cookie: String,
    csrf: String,
}

async fn drive(
    base: &str,
    scenario: &Scenario,
    creds: &Credentials,
    connections: usize,
    seconds: u64,
) -> Measured {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let calls = Arc::new(scenario.calls.clone());
    let mut tasks = Vec::new();
    for worker in 0..connections {
        let calls = calls.clone();
        let base = base.to_string();
        let auth = scenario.auth;
        let ok = scenario.ok;
        let token = creds.token.clone();
        let cookie = creds.cookie.clone();
        let csrf = creds.csrf.clone();
        tasks.push(tokio::spawn(async move {
            let http = reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .pool_max_idle_per_host(1)
                .build();
            let Ok(http) = http else {
                return (
                    Vec::new(),
                    1u64,
                    Some("cannot build the HTTP client".to_string()),
                );
            };
            let mut first_error: Option<String> = None;
            let mut latencies: Vec<u32> = Vec::with_capacity(4096);
            let mut errors = 0u64;
            let mut i = worker;
            while Instant::now() < deadline {
                let call = &calls[i % calls.len()];
                i += connections;
                let t = Instant::now();
                let outcome: Result<(), String> = match auth {
                    Auth::Login => login_session(
                        &base,
                        match call {
                            Call::Get(l) | Call::PostForm(l, _) => l,
                        },
                    )
                    .await
                    .map(|_| ())
                    .map_err(|e| e.to_string()),
                    _ => {
                        let req = match call {
                            Call::Get(p) => http.get(format!("{base}{p}")),
                            Call::PostForm(p, form) => {
                                let mut f = form.clone();
                                f.push(("_csrf".into(), csrf.clone()));
                                http.post(format!("{base}{p}")).form(&f)
                            }
                        };
                        let req = match auth {
                            Auth::Token => req.bearer_auth(&token),
                            Auth::Session => req.header("cookie", &cookie),
                            _ => req,
                        };
                        match req.send().await {
                            Ok(r) => {
                                let status = r.status().as_u16();
                                match r.bytes().await {
                                    Ok(_) if ok.contains(&status) => Ok(()),
                                    Ok(body) => Err(format!(
                                        "status {status}: {}",
                                        String::from_utf8_lossy(&body)
                                            .chars()
                                            .take(200)
                                            .collect::<String>()
                                    )),
                                    Err(e) => Err(e.to_string()),
                                }
                            }
                            Err(e) => Err(e.to_string()),
                        }
                    }
                };
                latencies.push(u32::try_from(t.elapsed().as_micros()).unwrap_or(u32::MAX));
                if let Err(e) = outcome {
                    errors += 1;
                    first_error.get_or_insert(e);
                }
            }
            (latencies, errors, first_error)
        }));
    }
    let started = Instant::now();
    let mut all: Vec<u32> = Vec::new();
    let mut errors = 0;
    let mut first_error = None;
    for t in tasks {
        match t.await {
            Ok((l, e, f)) => {
                all.extend(l);
                errors += e;
                first_error = first_error.or(f);
            }
            Err(e) => {
                errors += 1;
                first_error = first_error.or(Some(e.to_string()));
            }
        }
    }
    let elapsed = started.elapsed().as_secs_f64().max(seconds as f64);
    all.sort_unstable();
    let pct = |p: f64| -> f64 {
        if all.is_empty() {
            return 0.0;
        }
        let idx = ((all.len() as f64 * p).ceil() as usize).clamp(1, all.len()) - 1;
        f64::from(all[idx]) / 1000.0
    };
    Measured {
        name: scenario.name.to_string(),
        rps: all.len() as f64 / elapsed,
        p50: pct(0.50),
        p99: pct(0.99),
        max: all.last().map_or(0.0, |v| f64::from(*v) / 1000.0),
        errors,
        first_error,
        cpu_us: 0.0,
    }
}

const KANA_PREFIXES: &[&str] = &[
    "さと", "すず", "たか", "たな", "いと", "わた", "やま", "なか", "こば", "かと",
];

async fn scenarios(store: &Store) -> anyhow::Result<Vec<Scenario>> {
    let center = store
        .center_by_code(&format!("pref{}", &BENCH_PREFECTURE[..2]))
        .await?
        .context("the bench center is missing; seed the dataset again")?;
    let child_ids: Vec<String> = store::db::query_scalar(
        "SELECT id FROM children WHERE center_id = $1 ORDER BY id LIMIT 500",
    )
    .bind(&center.id)
    .fetch_all(store.pool())
    .await?;
    if child_ids.is_empty() {
        bail!("the bench center has no children");
    }
    let fy_start = NaiveDate::from_ymd_opt(FIRST_FISCAL_YEAR + FISCAL_YEARS - 1, 4, 1)
        .context("fiscal year")?;
    let fy_end =
        NaiveDate::from_ymd_opt(FIRST_FISCAL_YEAR + FISCAL_YEARS, 3, 31).context("fiscal year")?;
    let half = fy_start + chrono::Duration::days(182);
    let topics = [
        "medical_care",
        "welfare_service",
        "school",
        "disaster",
        "short_stay",
    ];
    let search_api = KANA_PREFIXES
        .iter()
        .map(|k| Call::Get(format!("/api/v1/children?q={}&limit=20", urlencode(k))))
        .collect();
    // What a consultant types into the intake form during a call (htmx, 8 hits).
    let search_html = KANA_PREFIXES
        .iter()
        .map(|k| Call::Get(format!("/intake/child-search?q={}", urlencode(k))))
        .collect();
    let child_pages = child_ids
        .iter()
        .map(|id| Call::Get(format!("/children/{id}")))
        .collect();
    let lists = topics
        .iter()
        .map(|t| {
            Call::Get(format!(
                "/api/v1/consultations?from={fy_start}&to={half}&topic={t}"
            ))
        })
        .collect();
    let intake = child_ids
        .iter()
        .take(50)
        .enumerate()
        .map(|(i, id)| {
            Call::PostForm(
                "/intake".into(),
                vec![
                    ("channel".into(), "phone".into()),
                    ("requester_kind".into(), "family".into()),
                    ("subject".into(), "child".into()),
                    ("child_id".into(), id.clone()),
                    ("topics".into(), topics[i % topics.len()].into()),
                    ("summary".into(), "ベンチマーク：短期入所先について".into()),
                    ("duration_minutes".into(), "15".into()),
                ],
            )
        })
        .collect();
    Ok(vec![
        Scenario {
            name: "baseline GET /healthz",
            auth: Auth::None,
            calls: vec![Call::Get("/healthz".into())],
            ok: &[200],
        },
        Scenario {
            name: "child search, kana prefix (API)",
            auth: Auth::Token,
            calls: search_api,
            ok: &[200],
        },
        Scenario {
            name: "child search as you type (intake, htmx)",
            auth: Auth::Session,
            calls: search_html,
            ok: &[200],
        },
        Scenario {
            name: "child page",
            auth: Auth::Session,
            calls: child_pages,
            ok: &[200],
        },
        Scenario {
            name: "consultations, period + topic (API)",
            auth: Auth::Token,
            calls: lists,
            ok: &[200],
        },
        Scenario {
            name: "intake submit (write)",
            auth: Auth::Session,
            calls: intake,
            ok: &[303],
        },
        Scenario {
            name: "fiscal-year report, one prefecture (API)",
            auth: Auth::Token,
            calls: vec![Call::Get(format!(
                "/api/v1/reports/consultations?from={fy_start}&to={fy_end}"
            ))],
            ok: &[200],
        },
        Scenario {
            name: "login (argon2id)",
            auth: Auth::Login,
            calls: vec![Call::Get(center_login(BENCH_PREFECTURE, "consult2"))],
            ok: &[303],
        },
    ])
}

fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Run every scenario at one scale.
pub async fn run_scale(scale: Scale, opts: &RunOptions) -> anyhow::Result<RunReport> {
    let (store, url) = prepared(scale, opts).await?;
    let backend = store.backend().name().to_string();
    let now = chrono::Utc::now();
    let token = store
        .create_token(&center_login(BENCH_PREFECTURE, "advisor"), 1, now)
        .await
        .map_err(crate::print_store_error)?;
    // Time the whole-dataset report in-process: no role may read across centers over HTTP.
    let fy_start = NaiveDate::from_ymd_opt(FIRST_FISCAL_YEAR + FISCAL_YEARS - 1, 4, 1)
        .context("fiscal year")?;
    let fy_end =
        NaiveDate::from_ymd_opt(FIRST_FISCAL_YEAR + FISCAL_YEARS, 3, 31).context("fiscal year")?;
    let mut national_report_ms = f64::MAX;
    for _ in 0..5 {
        let t = Instant::now();
        store
            .consultation_report_all_centers(fy_start, fy_end)
            .await?;
        national_report_ms = national_report_ms.min(t.elapsed().as_secs_f64() * 1000.0);
    }
    let (server, cold_start_ms) = start_server(&url).await?;
    let (cookie, csrf) = login(&server.base, &center_login(BENCH_PREFECTURE, "consult1")).await?;
    let creds = Credentials {
        token,
        cookie,
        csrf,
    };
    let list = scenarios(&store).await?;
    let mut rows = Vec::new();
    let mut peak = 0.0f64;
    for (i, s) in list.iter().enumerate() {
        if i > 0
            && opts
                .only
                .as_ref()
                .is_some_and(|o| !s.name.contains(o.as_str()))
        {
            continue;
        }
        // A short warm-up so connection set-up and first-touch caches are not measured.
        drive(&server.base, s, &creds, opts.connections, 1).await;
        let cpu_before = cpu_seconds(server.pid);
        let mut m = drive(&server.base, s, &creds, opts.connections, opts.seconds).await;
        let requests = m.rps * opts.seconds as f64;
        m.cpu_us = (cpu_seconds(server.pid) - cpu_before) * 1e6 / requests.max(1.0);
        let (now_rss, hwm) = rss_mib(server.pid);
        peak = peak.max(hwm);
        println!(
            "  {:<44} {:>9.0} req/s  p50 {:>7.2} ms  p99 {:>7.2} ms  errors {}  cpu {:.0} µs/req  rss {:.0} MiB",
            m.name, m.rps, m.p50, m.p99, m.errors, m.cpu_us, now_rss
        );
        if let Some(e) = &m.first_error {
            eprintln!("    first error in {}: {e}", m.name);
        }
        rows.push(m);
    }
    let (rss, hwm) = rss_mib(server.pid);
    drop(server);
    store.close().await;
    Ok(RunReport {
        scale: scale.name.to_string(),
        backend,
        connections: opts.connections,
        seconds: opts.seconds,
        cold_start_ms,
        rss_mib: rss,
        peak_rss_mib: peak.max(hwm),
        rows,
        national_report_ms,
    })
}

/// The result table in Markdown (so BENCHMARKS.md can hold it verbatim).
pub fn table(r: &RunReport) -> String {
    let base = r.rows.first().map_or(1.0, |b| b.rps.max(1e-9));
    let mut s = format!(
        "{} · {} · {} connections · {} s per scenario\n\n\
         | scenario | req/s | p50 ms | p99 ms | max ms | errors | server CPU µs/req | ratio to baseline |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|\n",
        r.backend, r.scale, r.connections, r.seconds
    );
    for m in &r.rows {
        s.push_str(&format!(
            "| {} | {:.0} | {:.2} | {:.2} | {:.1} | {} | {:.0} | {:.3} |\n",
            m.name,
            m.rps,
            m.p50,
            m.p99,
            m.max,
            m.errors,
            m.cpu_us,
            m.rps / base
        ));
    }
    s.push_str(&format!(
        "\nwhole-dataset fiscal-year report (in-process, best of 5): {:.1} ms  \n\
         cold start (process start → first 200): {:.0} ms  \n\
         server RSS after the run: {:.1} MiB (peak {:.1} MiB)\n",
        r.national_report_ms, r.cold_start_ms, r.rss_mib, r.peak_rss_mib
    ));
    s
}

/// Latency growth from a smaller scale to a larger one, per scenario (p50 and p99 ratios).
pub fn growth(small: &RunReport, large: &RunReport) -> String {
    let mut s = format!(
        "growth {} → {} ({})\n\n| scenario | p50 ratio | p99 ratio | server CPU/req ratio |\n|---|---:|---:|---:|\n",
        small.scale, large.scale, large.backend
    );
    for m in &large.rows {
        if let Some(b) = small.rows.iter().find(|b| b.name == m.name) {
            s.push_str(&format!(
                "| {} | {:.2} | {:.2} | {:.2} |\n",
                m.name,
                m.p50 / b.p50.max(1e-9),
                m.p99 / b.p99.max(1e-9),
                m.cpu_us / b.cpu_us.max(1e-9)
            ));
        }
    }
    s.push_str(&format!(
        "| whole-dataset report (in-process) | {:.2} | | |\n",
        large.national_report_ms / small.national_report_ms.max(1e-9)
    ));
    s
}
