//! The figures the prefecture asks for stay exact: reports answered from the maintained
//! aggregates equal the same reports computed from the records, after every kind of write.

use chrono::NaiveDate;
use domain::Role;
use rand::{Rng, SeedableRng};
use serde_json::json;
use store::testing::Draft;

use crate::*;

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

async fn assert_paths_agree(w: &World, role: Role, from: &str, to: &str, what: &str) {
    let actor = w.user(role);
    let fast = w
        .app
        .store
        .consultation_report(actor, day(from), day(to))
        .await
        .unwrap();
    let scanned = w
        .app
        .store
        .consultation_report_scanned(actor, day(from), day(to))
        .await
        .unwrap();
    assert_eq!(
        serde_json::to_value(&fast).unwrap(),
        serde_json::to_value(&scanned).unwrap(),
        "{} {what}: {from}..{to}",
        w.app.backend
    );
}

#[tokio::test]
async fn aggregated_figures_equal_scanned_figures_after_inserts_and_edits() {
    for backend in backends() {
        let w = world(backend).await;
        let store = &w.app.store;
        let advisor = w.user(Role::Advisor);
        let now = test_now();
        let mut children = Vec::new();
        for (i, kana) in ["アイダ", "イノウエ", "ウエダ"].iter().enumerate() {
            let mut f = child_json("試験", kana);
            f["municipality_code"] = json!(if i == 0 { "392014" } else { "392022" });
            let form: store::children::ChildForm = serde_json::from_value(f).unwrap();
            children.push(
                store
                    .register_child(advisor, &form.draft(now), true, now)
                    .await
                    .unwrap(),
            );
        }
        let topics = ["medical_care", "school", "disaster", "short_stay"];
        let mut rng = rand::rngs::StdRng::seed_from_u64(11);
        let mut ids = Vec::new();
        for i in 0..60 {
            // Spread over two fiscal years, across the April boundary.
            let date = day("2025-02-01") + chrono::Duration::days(rng.gen_range(0..600));
            let subject = match i % 5 {
                0 => {
                    json!({ "person": { "name": format!("相談者{}", i % 3), "anonymous": false } })
                }
                1 => json!({ "person": { "anonymous": true } }),
                _ => json!({ "child_id": children[i % 3] }),
            };
            let mut body = json!({
                "occurred_at": format!("{date}T10:00:00+09:00"),
                "channel": if i % 2 == 0 { "phone" } else { "email" },
                "requester_kind": if i % 3 == 0 { "family" } else { "hospital" },
                "topics": [topics[i % 4], topics[(i + 1) % 4]],
                "summary": "集計検証",
            });
            for (k, v) in subject.as_object().unwrap() {
                body[k] = v.clone();
            }
            let form: store::consultations::ConsultationForm =
                serde_json::from_value(body).unwrap();
            ids.push(
                store
                    .record_consultation(advisor, &form.draft(now), now)
                    .await
                    .unwrap(),
            );
        }
        assert_paths_agree(
            &w,
            Role::Advisor,
            "2025-04-01",
            "2026-03-31",
            "after inserts",
        )
        .await;
        // Edits move consultations across months and fiscal years, change topics, channel and
        // subject (a child's consultation becomes anonymous and back).
        for (n, id) in ids.iter().enumerate().filter(|(n, _)| n % 4 == 0) {
            let body = json!({
                "occurred_at": format!("2026-0{}-15T09:00:00+09:00", 1 + n % 5),
                "channel": "visit_center",
                "requester_kind": "school",
                "topics": ["finance"],
                "summary": "訂正",
                "person": if n % 8 == 0 { json!({ "anonymous": true }) } else { serde_json::Value::Null },
                "child_id": if n % 8 == 0 { json!("") } else { json!(children[0]) },
            });
            let form: store::consultations::ConsultationForm =
                serde_json::from_value(body).unwrap();
            store
                .update_consultation(advisor, id, &form.draft(now), None, now)
                .await
                .unwrap();
        }
        for (from, to) in [
            ("2025-04-01", "2026-03-31"),
            ("2024-04-01", "2025-03-31"),
            ("2026-01-01", "2026-06-30"),
            ("2025-02-01", "2026-10-31"),
            ("2025-04-15", "2025-12-20"),
        ] {
            assert_paths_agree(&w, Role::Advisor, from, to, "after edits").await;
            assert_paths_agree(&w, Role::Municipal, from, to, "municipal scope").await;
        }
        // The national view sums every center; the other center has nothing yet.
        let national = store
            .consultation_report_all_centers(day("2025-04-01"), day("2026-03-31"))
            .await
            .unwrap();
        let own = store
            .consultation_report(advisor, day("2025-04-01"), day("2026-03-31"))
            .await
            .unwrap();
        assert_eq!(national.total, own.total);
        assert_eq!(national.distinct_people, own.distinct_people);
        assert!(own.total > 0 && own.distinct_people > 0 && own.unidentified > 0);
        // A rebuild from the records changes nothing.
        store.rebuild_consultation_stats().await.unwrap();
        let rebuilt = store
            .consultation_report(advisor, day("2025-04-01"), day("2026-03-31"))
            .await
            .unwrap();
        assert_eq!(
            serde_json::to_value(&rebuilt).unwrap(),
            serde_json::to_value(&own).unwrap()
        );
    }
}

/// Children whose age on 2026-06-15 sits on each band boundary (and one day short of it), in
/// two municipalities, with several, one or no medical care items; each has one consultation
/// that day, and two consultations are about no registered child.
async fn subject_fixture(w: &World) {
    let store = &w.app.store;
    let advisor = w.user(Role::Advisor);
    let now = test_now();
    let kids: [(&str, &str, &str, &[&str]); 9] = [
        ("アカ", "2026-06-15", "392014", &["ventilator", "suction"]), // 0, born that day
        ("イカ", "2025-06-16", "392014", &[]),                        // 0, first birthday tomorrow
        ("ウカ", "2025-06-15", "392022", &["suction"]),               // 1
        ("エカ", "2023-06-15", "392014", &["ventilator"]),            // 3
        ("オカ", "2020-06-15", "392022", &[]),                        // 6
        ("カカ", "2014-06-15", "392014", &["tube_feeding_gastric"]),  // 12
        ("キカ", "2011-06-15", "392014", &["suction"]),               // 15
        ("クカ", "2008-06-16", "392022", &["ventilator"]),            // 17
        ("ケカ", "2008-06-15", "392014", &[]),                        // 18
    ];
    for (kana, birth, municipality, care) in kids {
        let mut f = child_json("統計", kana);
        f["birth_date"] = json!(birth);
        f["municipality_code"] = json!(municipality);
        f["medical_care"] = json!(care);
        let form: store::children::ChildForm = serde_json::from_value(f).unwrap();
        let child = store
            .register_child(advisor, &form.draft(now), true, now)
            .await
            .unwrap();
        let c = json!({
            "occurred_at": "2026-06-15T10:00:00+09:00", "channel": "email",
            "requester_kind": "family", "topics": ["school"], "summary": "年齢区分の検証",
            "child_id": child,
        });
        let form: store::consultations::ConsultationForm = serde_json::from_value(c).unwrap();
        store
            .record_consultation(advisor, &form.draft(now), now)
            .await
            .unwrap();
    }
    for person in [
        json!({ "anonymous": true }),
        json!({ "name": "統計 太郎", "anonymous": false }),
    ] {
        let c = json!({
            "occurred_at": "2026-06-15T11:00:00+09:00", "channel": "phone",
            "requester_kind": "family", "topics": ["other"], "summary": "児童以外",
            "person": person,
        });
        let form: store::consultations::ConsultationForm = serde_json::from_value(c).unwrap();
        store
            .record_consultation(advisor, &form.draft(now), now)
            .await
            .unwrap();
    }
}

fn keyed(v: &serde_json::Value) -> Vec<(String, i64)> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["key"].as_str().unwrap().to_string(),
                c["count"].as_i64().unwrap(),
            )
        })
        .collect()
}

fn pairs(v: &[(&str, i64)]) -> Vec<(String, i64)> {
    v.iter().map(|(k, n)| (k.to_string(), *n)).collect()
}

#[tokio::test]
async fn breakdowns_by_age_municipality_and_care_follow_the_code_lists() {
    for backend in backends() {
        let w = world(backend).await;
        subject_fixture(&w).await;
        let token = token_for(&w.app, "kochi.advisor").await;
        // The whole fiscal year (aggregates) and the single day (scan) agree.
        for q in [
            "from=2026-04-01&to=2027-03-31",
            "from=2026-06-15&to=2026-06-15",
        ] {
            let (s, r) = call(
                &w,
                &token,
                reqwest::Method::GET,
                &format!("/api/v1/reports/consultations?{q}"),
                None,
            )
            .await;
            assert_eq!(s, 200, "{backend} {q}: {r}");
            assert_eq!(r["total"], 11, "{backend} {q}");
            assert_eq!(
                keyed(&r["by_age_band"]),
                pairs(&[
                    ("0", 2),
                    ("1-2", 1),
                    ("3-5", 1),
                    ("6-11", 1),
                    ("12-14", 1),
                    ("15-17", 2),
                    ("18+", 1),
                    ("unknown", 2),
                ]),
                "{backend} {q}: boundary ages land in the band that starts on the birthday"
            );
            assert_eq!(
                keyed(&r["by_municipality"]),
                pairs(&[("392014", 6), ("392022", 3), ("unknown", 2)]),
                "{backend} {q}"
            );
            // Medical care: every item of the list in its order, zeros included; a child with
            // two items counts in both.
            let care = keyed(&r["by_medical_care"]);
            let list: Vec<String> =
                domain::vocab::entries(domain::vocab::VocabKind::MedicalCareItem)
                    .iter()
                    .map(|e| e.code.clone())
                    .chain(["none".to_string(), "unknown".to_string()])
                    .collect();
            assert_eq!(
                care.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>(),
                list,
                "{backend} {q}"
            );
            let n = |code: &str| care.iter().find(|(k, _)| k == code).unwrap().1;
            assert_eq!(
                (n("ventilator"), n("suction"), n("tube_feeding_gastric")),
                (3, 3, 1),
                "{backend} {q}"
            );
            assert_eq!(
                (n("none"), n("unknown"), n("oxygen")),
                (3, 2, 0),
                "{backend} {q}"
            );
            // The older breakdowns list their code lists in order, zeros included.
            for (key, kind) in [
                ("by_channel", domain::vocab::VocabKind::ConsultationChannel),
                ("by_requester_kind", domain::vocab::VocabKind::RequesterKind),
                ("by_topic", domain::vocab::VocabKind::ConsultationTopic),
            ] {
                let got: Vec<String> = keyed(&r[key]).into_iter().map(|(k, _)| k).collect();
                let want: Vec<String> = domain::vocab::entries(kind)
                    .iter()
                    .map(|e| e.code.clone())
                    .collect();
                assert_eq!(got, want, "{backend} {q} {key}");
            }
            let channels = keyed(&r["by_channel"]);
            assert!(channels.contains(&("email".to_string(), 9)));
            assert!(channels.contains(&("fax".to_string(), 0)), "zero rows stay");
        }
        let (_, fy) = call(
            &w,
            &token,
            reqwest::Method::GET,
            "/api/v1/reports/consultations",
            None,
        )
        .await;
        let months: Vec<String> = keyed(&fy["by_month"]).into_iter().map(|(k, _)| k).collect();
        assert_eq!(months.len(), 12, "{backend}: April to March");
        assert_eq!(
            (months[0].as_str(), months[11].as_str()),
            ("2026-04", "2027-03")
        );
        assert_eq!(keyed(&fy["by_month"])[2], ("2026-06".to_string(), 11));

        // A municipal user of 392014 sees that municipality's figures only.
        let municipal = w.user(Role::Municipal);
        let m = w
            .app
            .store
            .consultation_report(municipal, day("2026-04-01"), day("2027-03-31"))
            .await
            .unwrap();
        assert_eq!(m.total, 6, "{backend}");
        let by_m = serde_json::to_value(&m.by_municipality).unwrap();
        assert_eq!(
            keyed(&by_m),
            pairs(&[("392014", 6), ("unknown", 0)]),
            "{backend}"
        );
        let by_age = serde_json::to_value(&m.by_age_band).unwrap();
        assert_eq!(
            keyed(&by_age).iter().map(|(_, n)| *n).sum::<i64>(),
            6,
            "{backend}"
        );
    }
}

#[tokio::test]
async fn report_page_draws_charts_with_text_equivalents_and_downloads_csv() {
    for backend in backends() {
        let w = world(backend).await;
        subject_fixture(&w).await;
        let b = login(&w.app, "kochi.advisor").await;
        let res = b
            .http
            .get(format!("{}/reports?from=2026-04-01&to=2027-03-31", b.base))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let html = res.text().await.unwrap();
        for id in [
            "month",
            "channel",
            "requester",
            "topic",
            "age",
            "municipality",
            "care",
        ] {
            assert!(
                html.contains(&format!(
                    "role=\"img\" aria-labelledby=\"chart-{id}-title chart-{id}-desc\""
                )),
                "{backend}: chart {id}"
            );
            assert!(
                html.contains(&format!("<desc id=\"chart-{id}-desc\">")),
                "{id}"
            );
            assert!(html.contains(&format!("id=\"table-{id}\"")), "table {id}");
        }
        assert!(
            html.contains("最多は「メール」9件"),
            "{backend}: summary names the top bar"
        );
        assert!(html.contains("<rect class=\"bar\""));
        // The CSP forbids inline style: the charts use presentation attributes and classes.
        assert!(!html.contains("style="), "{backend}: no inline style");
        // Age rows in band order, the unknown row last.
        let table = &html[html.find("id=\"table-age\"").unwrap()..];
        let table = &table[..table.find("</table>").unwrap()];
        let at = |s: &str| table.find(s).unwrap_or_else(|| panic!("{s} in {table}"));
        assert!(at("0歳") < at("1〜2歳") && at("1〜2歳") < at("18歳以上"));
        assert!(at("18歳以上") < at("不明・対象外"));

        for (encoding, bom) in [("cp932", false), ("utf8", true)] {
            let res = b
                .http
                .get(format!(
                    "{}/reports.csv?from=2026-04-01&to=2027-03-31&encoding={encoding}",
                    b.base
                ))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200, "{backend} {encoding}");
            let ctype = res.headers()["content-type"].to_str().unwrap().to_string();
            assert!(ctype.starts_with("text/csv"), "{ctype}");
            let bytes = res.bytes().await.unwrap();
            assert_eq!(bytes.starts_with(b"\xEF\xBB\xBF"), bom, "{encoding}");
            if !bom {
                assert!(std::str::from_utf8(&bytes).is_err(), "CP932, not UTF-8");
            }
            // CP932 writes the wave dash 〜 as the full-width tilde ～ (what Excel shows).
            let text = domain::export::decode_csv_bytes(&bytes)
                .unwrap()
                .replace('～', "〜");
            let mut lines = text.lines();
            assert_eq!(lines.next(), Some("区分,コード,項目,件数"), "{encoding}");
            assert!(text.contains("合計,total,延べ件数,11"), "{text}");
            assert!(text.contains("年齢別（相談日時点）,1-2,1〜2歳,1"), "{text}");
            assert!(text.contains("医療的ケア別,ventilator,"), "{text}");
            assert!(text.contains(",392022,高知県室戸市,3"), "{text}");
        }
        let res = b
            .http
            .get(format!("{}/reports.csv?encoding=latin1", b.base))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 422, "{backend}: unknown encoding refused");

        // The municipal user's download holds their municipality only.
        let m = login(&w.app, "kochi.municipal").await;
        let res = m
            .http
            .get(format!("{}/reports.csv?encoding=utf8", m.base))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let text = domain::export::decode_csv_bytes(&res.bytes().await.unwrap()).unwrap();
        assert!(text.contains("合計,total,延べ件数,6"), "{backend}: {text}");
        assert!(text.contains(",392014,"), "{text}");
        assert!(
            !text.contains("392022"),
            "{backend}: another municipality leaked"
        );
    }
}

/// In a real browser at phone (390 px) and tablet (768 px) width: the page does not scroll
/// sideways, every chart fits the width, and the stylesheet colours the bars (the CSP let it
/// apply; the SVG carries no inline style). SQLite only, like the other browser tests.
#[tokio::test]
async fn browser_report_charts_fit_a_phone() {
    use crate::browser::{connect, start_driver, wait_for};
    let driver = start_driver().await;
    let c = connect(&driver).await;
    let w = world("sqlite").await;
    subject_fixture(&w).await;
    let result = tokio::spawn({
        let c = c.clone();
        async move {
            crate::browser_dispatch::sign_in(&c, &w.app, "kochi.consultant").await;
            for width in [390u32, 768] {
                c.set_window_size(width, 900).await.unwrap();
                c.goto(&format!(
                    "{}/reports?from=2026-04-01&to=2027-03-31",
                    w.app.addr
                ))
                .await
                .unwrap();
                wait_for(&c, "#chart-care-desc").await;
                let v = c
                    .execute(
                        "const d = document.documentElement;
                         const svgs = [...document.querySelectorAll('figure.chart svg')];
                         const bar = document.querySelector('#report-channel rect.bar');
                         return [d.clientWidth, d.scrollWidth, svgs.length,
                                 Math.max(...svgs.map(s => s.getBoundingClientRect().right)),
                                 Math.min(...svgs.map(s => s.getBoundingClientRect().height)),
                                 getComputedStyle(bar).fill];",
                        vec![],
                    )
                    .await
                    .unwrap();
                let client_width = v[0].as_f64().unwrap();
                assert!(client_width <= f64::from(width), "{width}: viewport {v}");
                assert!(
                    v[1].as_f64().unwrap() <= client_width,
                    "{width}: sideways scroll {v}"
                );
                assert_eq!(v[2], 7, "{width}: seven charts");
                assert!(
                    v[3].as_f64().unwrap() <= client_width,
                    "{width}: chart overflows {v}"
                );
                assert!(
                    v[4].as_f64().unwrap() > 40.0,
                    "{width}: a chart collapsed {v}"
                );
                assert_eq!(
                    v[5], "rgb(47, 111, 159)",
                    "{width}: stylesheet colours the bars"
                );
            }
        }
    })
    .await;
    let _ = c.close().await;
    drop(driver);
    if let Err(e) = result {
        std::panic::resume_unwind(e.into_panic());
    }
}
