//! Crash consistency: SIGKILL during writes, every acknowledged write survives.

use super::*;

/// 50 kills in the default suite (about 10–20 s): every CI run repeats the crash check.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_consistency_smoke() {
    crash_harness(50).await;
}

/// The long run: `TSUNAGU_CRASH_RUNS=1000 cargo test -p tsunagu-cli crash -- --ignored --nocapture`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "long: run with `cargo test -p tsunagu-cli crash -- --ignored` (TSUNAGU_CRASH_RUNS)"]
async fn crash_consistency_under_sigkill() {
    let runs: usize = std::env::var("TSUNAGU_CRASH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    crash_harness(runs).await;
}

/// Start the real server, write through the API from several clients, SIGKILL it at a random
/// moment, and check after every kill that each acknowledged write survived, that
/// `PRAGMA integrity_check` is ok and that the audit chain verifies (the store's check and
/// `tsunagu audit verify`). The next run's start is the restart after the crash.
///
/// SIGKILL tests the process dying with its writes in flight; the kernel still flushes what the
/// process wrote, so power loss (what synchronous=FULL is for) is not simulated here.
async fn crash_harness(runs: usize) {
    let seed: u64 = std::env::var("TSUNAGU_CRASH_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(7);
    // A fresh folder now and then keeps each check's cost flat over a long run.
    const RUNS_PER_FOLDER: usize = 100;
    const WRITERS: usize = 6;
    let tmp = tempfile::tempdir().unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let started = Instant::now();
    let (mut acked_total, mut lost, mut integrity_failures, mut audit_failures) = (0, 0, 0, 0);
    let mut start_failures = 0;
    let mut killed_mid_write = 0;
    let mut data = PathBuf::new();
    let mut token = String::new();
    let mut acked: Vec<String> = Vec::new();
    for run in 0..runs {
        if run % RUNS_PER_FOLDER == 0 {
            data = tmp.path().join(format!("data-{run}"));
            token = provision(&data);
            acked.clear();
        }
        let server = start_server(&data).await;
        let got: Arc<Mutex<Vec<String>>> = Arc::default();
        let in_flight = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let mut writers = Vec::new();
        for w in 0..WRITERS {
            let (http, base, token, got, in_flight) = (
                http.clone(),
                server.base.clone(),
                token.clone(),
                got.clone(),
                in_flight.clone(),
            );
            let mut wrng = ChaCha8Rng::seed_from_u64(rng.gen::<u64>() ^ w as u64);
            writers.push(tokio::spawn(async move {
                loop {
                    let body = child_json(&mut wrng);
                    in_flight.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    let r = post_child(&http, &base, &token, &body).await;
                    in_flight.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
                    match r {
                        Ok(id) => got.lock().unwrap().push(id),
                        // Refused or cut off by the kill: not acknowledged, nothing to check.
                        Err(_) => return,
                    }
                }
            }));
        }
        tokio::time::sleep(Duration::from_millis(rng.gen_range(5..300))).await;
        let mut server = server;
        if in_flight.load(std::sync::atomic::Ordering::SeqCst) > 0 {
            killed_mid_write += 1;
        }
        server.child.start_kill().unwrap(); // SIGKILL on unix
        let _ = server.child.wait().await;
        for w in writers {
            let _ = w.await;
        }
        let this_run: Vec<String> = got.lock().unwrap().drain(..).collect();
        acked_total += this_run.len();
        acked.extend(this_run);

        let check = store::maintenance::check_sqlite_file(&db_file(&data))
            .await
            .unwrap();
        if check.integrity != ["ok"] || check.foreign_key_violations > 0 {
            integrity_failures += 1;
            eprintln!("run {run}: integrity {:?}", check.integrity);
        }
        if !matches!(check.audit, ChainStatus::Ok { .. }) {
            audit_failures += 1;
            eprintln!("run {run}: audit {:?}", check.audit);
        }
        let present = child_ids(&data).await;
        let missing = acked.iter().filter(|id| !present.contains(*id)).count();
        if missing > 0 {
            eprintln!("run {run}: {missing} acknowledged write(s) missing");
        }
        lost += missing;
        // The CLI's own verification, as an operator would run it after a crash.
        let verify = tsunagu(&["audit", "verify", "--data-dir", s(&data)]);
        if !verify.status.success() {
            audit_failures += 1;
            eprintln!("run {run}: {}", text(&verify));
        }
        if run % 50 == 49 {
            eprintln!(
                "crash runs {}/{runs}: {} acknowledged so far, {lost} lost, {integrity_failures} integrity failures, {:.2} s/run",
                run + 1,
                acked_total,
                started.elapsed().as_secs_f64() / (run + 1) as f64
            );
        }
    }
    // Restart once more on the last folder: the server must come up after the final kill.
    let server = start_server(&data).await;
    if post_child(&http, &server.base, &token, &child_json(&mut rng))
        .await
        .is_err()
    {
        start_failures += 1;
    }
    drop(server);
    let secs = started.elapsed().as_secs_f64();
    println!(
        "crash runs: {runs} SIGKILLs ({killed_mid_write} with requests in flight), {acked_total} acknowledged writes, \
         {lost} lost, {integrity_failures} integrity failures, {audit_failures} audit chain failures, \
         {start_failures} failed restarts; {:.2} s per run",
        secs / runs as f64
    );
    assert_eq!(lost, 0, "acknowledged writes were lost");
    assert_eq!(integrity_failures, 0);
    assert_eq!(audit_failures, 0);
    assert_eq!(start_failures, 0);
}
