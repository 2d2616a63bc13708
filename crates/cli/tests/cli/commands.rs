//! The `disaster pack` and `demo` commands.

use super::*;

/// `tsunagu disaster pack` writes the area's sheets as one printable HTML file (one article
/// per child, styles inline, no script) and a CP932 CSV, acting as (and audited as) the login.
#[tokio::test]
async fn disaster_pack_writes_printable_sheets_and_csv() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let token = provision(&data);
    let server = start_server(&data).await;
    let http = reqwest::Client::new();
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    for _ in 0..3 {
        post_child(&http, &server.base, &token, &child_json(&mut rng))
            .await
            .unwrap();
    }
    drop(server);
    // Let the killed server release the database before the tool opens it.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let out = dir.path().join("pack");
    let printed = ok(&[
        "disaster",
        "pack",
        "--login",
        "adv",
        "--municipality",
        "392014",
        "--out",
        s(&out),
        "--data-dir",
        s(&data),
    ]);
    assert!(printed.starts_with("3 sheets"), "{printed}");
    let html = std::fs::read_to_string(out.join("emergency-sheets-392014.html")).unwrap();
    assert_eq!(html.matches("class=\"sheet a4\"").count(), 3);
    assert!(html.contains("<style>") && !html.contains("<script"));
    let csv = std::fs::read(out.join("emergency-sheets-392014.csv")).unwrap();
    let text = domain::export::decode_csv_bytes(&csv).unwrap();
    assert_eq!(text.lines().count(), 4, "header and three children");
    // An unknown login or municipality is refused, nothing written.
    let bad = tsunagu(&[
        "disaster",
        "pack",
        "--login",
        "nobody",
        "--municipality",
        "392014",
        "--out",
        s(&out),
        "--data-dir",
        s(&data),
    ]);
    assert!(!bad.status.success());
    let bad = tsunagu(&[
        "disaster",
        "pack",
        "--login",
        "adv",
        "--municipality",
        "999999",
        "--out",
        s(&dir.path().join("none")),
        "--data-dir",
        s(&data),
    ]);
    assert!(!bad.status.success());
    assert!(!dir.path().join("none").exists());
}

/// The README's first command: `tsunagu demo` loads the fictional dataset through the use
/// cases and serves it. The outage part of the demo is there: power-dependent children with
/// kept estimates, a lent unit, and an open outage whose triage lists them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_loads_the_dataset_and_serves_it() {
    use tokio::io::AsyncBufReadExt;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut child = tokio::process::Command::new(BIN)
        .args(["demo", "--listen", "127.0.0.1:0", "--data-dir", s(&data)])
        .env_remove("TSUNAGU_DATABASE_URL")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let addr = tokio::time::timeout(Duration::from_secs(300), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some(rest) = line.split("listening on http://").nth(1) {
                return rest.split('/').next().unwrap().to_string();
            }
        }
        panic!("the demo exited before listening");
    })
    .await
    .expect("the demo did not start within 300 s");
    let res = reqwest::get(format!("http://{addr}/login")).await.unwrap();
    assert_eq!(res.status(), 200);
    let _ = child.start_kill();
    let _ = child.wait().await;

    let store = Store::connect(&format!("sqlite://{}", s(&db_file(&data))))
        .await
        .unwrap();
    let count = |sql: &'static str| {
        let pool = store.pool().clone();
        async move {
            store::db::query_scalar::<i64>(sql)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    assert!(count("SELECT COUNT(*) FROM child_power_estimates").await > 0);
    assert!(count("SELECT COUNT(*) FROM power_units WHERE returned_on IS NULL").await > 0);
    assert!(count("SELECT COUNT(*) FROM incidents WHERE status = 'open'").await > 0);
    store.close().await;
}
