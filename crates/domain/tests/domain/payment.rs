//! Coordinator payment statements (`domain::payment`): worked examples in yen, parsing, and
//! property tests of eligibility, amounts, statements and amendments after approval.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::NaiveDate;
use domain::payment::{
    amendments, counts_as_welfare_service, is_payable, line_for, statement,
    summarize_by_municipality, ActivityForPay, ActivityKind, AmendmentReason, Distance,
    Eligibility, PayLine, Rates, RawRates, ServicePeriod, YearMonth, Yen, REASON_VOIDED,
};
use domain::vocab::{self, VocabKind};
use domain::Lang;
use proptest::prelude::*;
use std::collections::HashMap;

const KOCHI: &str = "392014";
const NANKOKU: &str = "392049";

fn d(y: i32, m: u32, dd: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, dd).unwrap()
}

fn rates(per_visit: i64, per_hour: i64, per_km: i64, per_travel_hour: i64) -> Rates {
    Rates::parse(RawRates {
        per_visit,
        per_hour,
        per_km,
        per_travel_hour,
    })
    .unwrap()
}

fn ym(s: &str) -> YearMonth {
    YearMonth::parse("month", s).unwrap()
}

fn period(code: &str, from: Option<NaiveDate>, to: Option<NaiveDate>) -> ServicePeriod {
    ServicePeriod {
        code: code.to_string(),
        started_on: from,
        ended_on: to,
    }
}

/// A 90-minute visit to child `c1` in 高知市 on `on`, 12.5 km, no travel time.
fn visit(id: &str, on: NaiveDate) -> ActivityForPay {
    ActivityForPay {
        activity_id: id.to_string(),
        dispatch_id: "dispatch-1".to_string(),
        child_id: "c1".to_string(),
        municipality: KOCHI.to_string(),
        on,
        kind: ActivityKind::Visit,
        minutes: 90,
        travel_tenths_km: 125,
        travel_minutes: 0,
        voided: false,
    }
}

fn total(lines: &[PayLine]) -> Yen {
    lines.iter().map(|l| l.amount).sum()
}

// ---------------------------------------------------------------------------------------------
// Examples
// ---------------------------------------------------------------------------------------------

#[test]
fn visit_of_90_minutes_and_12_5_km() {
    let r = rates(5000, 3000, 30, 0);
    let line = line_for(&visit("a1", d(2026, 11, 4)), &[], &r);
    assert!(line.payable);
    assert_eq!(line.not_payable_reason, None);
    assert_eq!(line.visit_yen, Yen(5000));
    assert_eq!(line.time_yen, Yen(4500));
    assert_eq!(line.travel_yen, Yen(375));
    assert_eq!(line.amount, Yen(9875));
    assert_eq!(line.amount.format_ja(), "9,875円");
    assert_eq!(line.amount.to_string(), "9875");
}

#[test]
fn amounts_round_down_per_term() {
    // 3001円/h × 7 min = 350.1… → 350; 33円/km × 0.7 km = 23.1 → 23;
    // 1000円/h travel × 25 min = 416.6… → 416. A call earns no per-visit rate.
    let r = rates(5000, 3001, 33, 1000);
    let a = ActivityForPay {
        kind: ActivityKind::Call,
        minutes: 7,
        travel_tenths_km: 7,
        travel_minutes: 25,
        ..visit("a1", d(2026, 11, 4))
    };
    let line = line_for(&a, &[], &r);
    assert_eq!(
        (line.visit_yen, line.time_yen, line.travel_yen, line.amount),
        (Yen(0), Yen(350), Yen(23 + 416), Yen(789))
    );
    let meeting = ActivityForPay {
        kind: ActivityKind::Meeting,
        minutes: 60,
        travel_tenths_km: 0,
        travel_minutes: 0,
        ..a
    };
    assert_eq!(line_for(&meeting, &[], &r).amount, Yen(3001));
}

#[test]
fn plan_consultation_stops_payment_from_its_start_date() {
    let r = rates(5000, 3000, 30, 0);
    let periods = [
        period("visiting_nursing", None, None),
        period("plan_consultation", Some(d(2026, 11, 10)), None),
    ];
    let before = line_for(&visit("a1", d(2026, 11, 9)), &periods, &r);
    assert!(before.payable);
    assert_eq!(before.amount, Yen(9875));
    let on_start = line_for(&visit("a2", d(2026, 11, 10)), &periods, &r);
    assert!(!on_start.payable);
    assert_eq!(
        on_start.not_payable_reason.as_deref(),
        Some("plan_consultation")
    );
    assert_eq!(
        (on_start.visit_yen, on_start.time_yen, on_start.travel_yen),
        (Yen(0), Yen(0), Yen(0))
    );
    assert_eq!(on_start.amount, Yen(0));
    assert_eq!(
        on_start.reason_label(Lang::Ja).as_deref(),
        Some("計画相談支援・障害児相談支援を利用中")
    );
    assert_eq!(
        on_start.reason_label(Lang::En).as_deref(),
        Some("Uses Service-plan consultation support")
    );
    assert_eq!(before.reason_label(Lang::Ja), None);
}

#[test]
fn ended_service_makes_the_child_payable_again_the_next_day() {
    let periods = [period(
        "after_school_day",
        Some(d(2026, 4, 1)),
        Some(d(2026, 10, 31)),
    )];
    assert_eq!(
        is_payable(d(2026, 10, 31), &periods),
        Eligibility::NotPayable {
            service: "after_school_day".to_string()
        }
    );
    assert_eq!(is_payable(d(2026, 11, 1), &periods), Eligibility::Payable);
    assert_eq!(is_payable(d(2026, 3, 31), &periods), Eligibility::Payable);
    assert!(is_payable(d(2026, 11, 1), &periods).payable());
}

#[test]
fn medical_and_care_insurance_services_do_not_count() {
    assert!(!counts_as_welfare_service("visiting_nursing"));
    assert!(!counts_as_welfare_service("visiting_rehabilitation"));
    let counted: Vec<&str> = vocab::entries(VocabKind::WelfareService)
        .iter()
        .map(|e| e.code.as_str())
        .filter(|c| counts_as_welfare_service(c))
        .collect();
    assert_eq!(counted.len(), 12);
    assert!(counted.contains(&"plan_consultation") && counted.contains(&"other"));
    let home = [
        period("visiting_nursing", None, None),
        period("visiting_rehabilitation", Some(d(2020, 1, 1)), None),
    ];
    assert_eq!(is_payable(d(2026, 11, 1), &home), Eligibility::Payable);
}

#[test]
fn voided_activity_is_listed_at_zero() {
    let r = rates(5000, 3000, 30, 0);
    let a = ActivityForPay {
        voided: true,
        ..visit("a1", d(2026, 11, 4))
    };
    let line = line_for(&a, &[period("plan_consultation", None, None)], &r);
    assert!(!line.payable);
    assert_eq!(line.not_payable_reason.as_deref(), Some(REASON_VOIDED));
    assert_eq!(line.amount, Yen(0));
    assert_eq!(line.reason_label(Lang::Ja).as_deref(), Some("取消済み"));
}

#[test]
fn november_statement_and_municipal_summary() {
    let r = rates(5000, 3000, 30, 0);
    let c2_periods = vec![period("plan_consultation", Some(d(2026, 11, 15)), None)];
    let histories: HashMap<&str, Vec<ServicePeriod>> = HashMap::from([("c2", c2_periods)]);
    let acts = vec![
        visit("a3", d(2026, 11, 20)),
        ActivityForPay {
            child_id: "c2".to_string(),
            municipality: NANKOKU.to_string(),
            kind: ActivityKind::Call,
            minutes: 20,
            travel_tenths_km: 0,
            ..visit("a2", d(2026, 11, 10))
        },
        ActivityForPay {
            child_id: "c2".to_string(),
            municipality: NANKOKU.to_string(),
            ..visit("a4", d(2026, 11, 20))
        },
        visit("a1", d(2026, 11, 20)),
        visit("october", d(2026, 10, 31)),
        visit("december", d(2026, 12, 1)),
        ActivityForPay {
            voided: true,
            ..visit("a0", d(2026, 11, 1))
        },
    ];
    let s = statement(
        ym("2026-11"),
        &acts,
        |c| histories.get(c).map_or(&[][..], Vec::as_slice),
        &r,
    );
    let ids: Vec<&str> = s.lines.iter().map(|l| l.activity_id.as_str()).collect();
    assert_eq!(ids, ["a0", "a2", "a1", "a3", "a4"]);
    let amounts: Vec<i64> = s.lines.iter().map(|l| l.amount.value()).collect();
    assert_eq!(amounts, [0, 1000, 9875, 9875, 0]);
    assert_eq!(s.total, Yen(20_750));
    assert_eq!((s.payable_count, s.not_payable_count), (3, 2));
    assert_eq!(s.month.to_string(), "2026-11");
    assert_eq!(
        summarize_by_municipality(&s.lines),
        vec![
            (KOCHI.to_string(), 2, Yen(19_750)),
            (NANKOKU.to_string(), 1, Yen(1000)),
        ]
    );
}

#[test]
fn amendments_after_approval() {
    let r = rates(5000, 3000, 30, 0);
    let month = ym("2026-11");
    let acts = vec![
        visit("a1", d(2026, 11, 2)),
        visit("a2", d(2026, 11, 16)),
        visit("a3", d(2026, 11, 20)),
    ];
    let approved = statement(month, &acts, |_| &[], &r).lines;
    assert_eq!(total(&approved), Yen(3 * 9875));
    // After approval: a1 voided, a3 removed, a4 added, and plan consultation turns out to have
    // started on 11-15, so a2 (and the new a4) are no longer payable.
    let history = vec![period("plan_consultation", Some(d(2026, 11, 15)), None)];
    let mut now = acts.clone();
    now[0].voided = true;
    now.pop();
    now.push(ActivityForPay {
        kind: ActivityKind::Call,
        minutes: 30,
        travel_tenths_km: 0,
        ..visit("a4", d(2026, 11, 12))
    });
    now.push(visit("a5", d(2026, 11, 25)));
    let current = statement(month, &now, |_| history.as_slice(), &r).lines;
    let am = amendments(&approved, &current);
    let got: Vec<(&str, i64, i64, i64, AmendmentReason)> = am
        .iter()
        .map(|a| {
            (
                a.activity_id.as_str(),
                a.before.value(),
                a.after.value(),
                a.difference.value(),
                a.reason,
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("a1", 9875, 0, -9875, AmendmentReason::Voided),
            ("a4", 0, 1500, 1500, AmendmentReason::Added),
            ("a2", 9875, 0, -9875, AmendmentReason::Recalculated),
            ("a3", 9875, 0, -9875, AmendmentReason::Voided),
        ]
    );
    let diff: Yen = am.iter().map(|a| a.difference).sum();
    assert_eq!(total(&approved) + diff, total(&current));
    assert_eq!(diff.format_ja(), "-28,125円");
    assert_eq!(AmendmentReason::Recalculated.label(Lang::Ja), "再計算");
    assert!(amendments(&current, &current).is_empty());
}

// ---------------------------------------------------------------------------------------------
// Parsing
// ---------------------------------------------------------------------------------------------

#[test]
fn rates_parse_collects_every_error() {
    let errs = Rates::parse(RawRates {
        per_visit: -1,
        per_hour: 1_000_001,
        per_km: 1_000_000,
        per_travel_hour: i64::MIN,
    })
    .unwrap_err();
    let got: Vec<(&str, &str)> = errs.iter().map(|e| (e.field.as_str(), e.code)).collect();
    assert_eq!(
        got,
        vec![
            ("rates.per_visit", "rate_range"),
            ("rates.per_hour", "rate_range"),
            ("rates.per_travel_hour", "rate_range"),
        ]
    );
    assert_eq!(
        errs.for_field("rates.per_visit").unwrap().ja,
        "「訪問1回あたり」の単価は0円以上1,000,000円以下の整数で入力してください"
    );
    let zero = Rates::parse(RawRates::default()).unwrap_err();
    assert_eq!(zero.len(), 1);
    assert_eq!(zero.for_field("rates").unwrap().code, "rates_all_zero");
    let r = rates(0, 0, 1, 0);
    assert_eq!(r.per_km(), Yen(1));
    assert_eq!(Rates::parse(r.raw()), Ok(r));
}

#[test]
fn distance_parse() {
    let ok = |s: &str| Distance::parse("travel_km", s).unwrap().tenths();
    assert_eq!(ok("12.3"), 123);
    assert_eq!(ok("12"), 120);
    assert_eq!(ok(" １２．５ "), 125);
    assert_eq!(ok("12.50"), 125);
    assert_eq!(ok("0"), 0);
    assert_eq!(ok("007.0"), 70);
    assert_eq!(ok("8km"), 80);
    assert_eq!(ok("８．２ ｋｍ"), 82);
    assert_eq!(ok("1000"), 10_000);
    assert_eq!(ok("1000.0"), 10_000);
    let err = |s: &str| Distance::parse("travel_km", s).unwrap_err().code;
    assert_eq!(err(""), "required");
    assert_eq!(err(" km"), "required");
    assert_eq!(err("-1"), "negative");
    assert_eq!(err("－３．５"), "negative");
    assert_eq!(err("−2"), "negative");
    assert_eq!(err("12.35"), "too_many_decimals");
    assert_eq!(err("1000.1"), "too_large");
    assert_eq!(err("99999999999999999999"), "too_large");
    for bad in [
        "abc", "1.2.3", ".5", "5.", "1,000", "+3", "1e3", "12 .5", "--1",
    ] {
        assert_eq!(err(bad), "invalid_number", "{bad}");
    }
    assert_eq!(Distance::from_tenths(125).unwrap().to_string(), "12.5");
    assert_eq!(Distance::from_tenths(10_001), None);
    let e = Distance::parse("travel_km", "-1").unwrap_err();
    assert_eq!(e.message(Lang::Ja), "0以上の数値を入力してください");
}

#[test]
fn year_month_parse_and_labels() {
    for s in [
        "2026-11",
        "2026/11",
        "２０２６－１１",
        "2026年11月",
        "2026.11",
        " 2026/11 ",
    ] {
        assert_eq!(ym(s), YearMonth::new(2026, 11).unwrap(), "{s}");
    }
    assert_eq!(ym("2026-1").to_string(), "2026-01");
    let m = ym("2026-11");
    assert_eq!(m.first_day(), d(2026, 11, 1));
    assert_eq!(m.last_day(), d(2026, 11, 30));
    assert_eq!(ym("2028-02").last_day(), d(2028, 2, 29));
    assert_eq!(ym("2026-02").last_day(), d(2026, 2, 28));
    assert_eq!(ym("2100-02").last_day(), d(2100, 2, 28));
    assert_eq!(ym("2026-12").last_day(), d(2026, 12, 31));
    assert_eq!(m.label(Lang::Ja), "2026年11月");
    assert_eq!(m.label(Lang::En), "Nov 2026");
    assert_eq!(m.next(), Some(ym("2026-12")));
    assert_eq!(ym("2026-12").next(), Some(ym("2027-01")));
    assert_eq!(ym("2027-01").prev(), Some(ym("2026-12")));
    assert_eq!(YearMonth::of(d(2026, 11, 29)), Some(m));
    assert!(m.contains(d(2026, 11, 30)) && !m.contains(d(2026, 12, 1)));
    assert!(ym("2026-10") < m && m < ym("2027-01"));
    let err = |s: &str| YearMonth::parse("month", s).unwrap_err().code;
    assert_eq!(err(""), "required");
    assert_eq!(err("2026-00"), "invalid_month");
    assert_eq!(err("2026-13"), "invalid_month");
    assert_eq!(err("1899-12"), "year_range");
    for bad in [
        "2026",
        "2026-11-01",
        "26-11",
        "abcd-ef",
        "2026-",
        "-11",
        "2026-123",
        "令和8年11月",
    ] {
        assert_eq!(err(bad), "month_format", "{bad}");
    }
    assert_eq!(serde_json::to_string(&m).unwrap(), "\"2026-11\"");
    assert_eq!(serde_json::from_str::<YearMonth>("\"2026/11\"").unwrap(), m);
    assert!(serde_json::from_str::<YearMonth>("\"2026-13\"").is_err());
}

#[test]
fn activity_kind_codes() {
    for k in ActivityKind::all() {
        assert_eq!(ActivityKind::parse(k.code()), Some(k));
        assert_eq!(
            serde_json::to_string(&k).unwrap(),
            format!("\"{}\"", k.code())
        );
    }
    assert_eq!(ActivityKind::parse(" VISIT "), Some(ActivityKind::Visit));
    assert_eq!(ActivityKind::parse("walk"), None);
    assert_eq!(ActivityKind::Meeting.label(Lang::Ja), "会議出席");
    assert_eq!(ActivityKind::Call.label(Lang::En), "Phone call");
    for r in AmendmentReason::all() {
        assert_eq!(AmendmentReason::parse(r.code()), Some(r));
    }
}

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

/// Days of the window the eligibility properties look at (2026-01-01 + 0‥120).
const WINDOW: i64 = 120;

fn day(n: i64) -> NaiveDate {
    d(2026, 1, 1) + chrono::Duration::days(n)
}

const CODES: &[&str] = &[
    "plan_consultation",
    "after_school_day",
    "child_development",
    "short_stay",
    "visiting_nursing",
    "visiting_rehabilitation",
    "other",
];

/// A service period whose ends (when given) lie a little around the window.
fn service_period() -> impl Strategy<Value = ServicePeriod> {
    (
        prop::sample::select(CODES),
        prop::option::weighted(0.8, -10i64..WINDOW + 10),
        prop::option::weighted(0.6, -10i64..WINDOW + 10),
    )
        .prop_map(|(code, s, e)| period(code, s.map(day), e.map(day)))
}

fn raw_rates() -> impl Strategy<Value = Rates> {
    (
        0i64..=1_000_000,
        0i64..=1_000_000,
        0i64..=1_000_000,
        0i64..=1_000_000,
    )
        .prop_filter_map("all rates zero", |(v, h, k, t)| {
            Rates::parse(RawRates {
                per_visit: v,
                per_hour: h,
                per_km: k,
                per_travel_hour: t,
            })
            .ok()
        })
}

fn kind() -> impl Strategy<Value = ActivityKind> {
    prop::sample::select(ActivityKind::all().to_vec())
}

/// Activities numbered `a00`‥ on children c0‥c2, spread over October to December 2026.
fn activities(max: usize) -> impl Strategy<Value = Vec<ActivityForPay>> {
    prop::collection::vec(
        (
            0u32..3,
            0i64..92,
            kind(),
            0u32..600,
            0u32..2000,
            0u32..300,
            prop::bool::weighted(0.2),
            prop::bool::ANY,
        ),
        0..max,
    )
    .prop_map(|v| {
        v.into_iter()
            .enumerate()
            .map(
                |(i, (child, day_n, kind, minutes, tenths, travel, voided, nankoku))| {
                    ActivityForPay {
                        activity_id: format!("a{i:02}"),
                        dispatch_id: format!("dispatch-{child}"),
                        child_id: format!("c{child}"),
                        municipality: if nankoku { NANKOKU } else { KOCHI }.to_string(),
                        on: d(2026, 10, 1) + chrono::Duration::days(day_n),
                        kind,
                        minutes,
                        travel_tenths_km: tenths,
                        travel_minutes: travel,
                        voided,
                    }
                },
            )
            .collect()
    })
}

/// Service histories of children c0‥c2, with dates in October to December 2026.
fn histories() -> impl Strategy<Value = HashMap<String, Vec<ServicePeriod>>> {
    let p = (
        prop::sample::select(CODES),
        prop::option::of(0i64..92),
        prop::option::of(0i64..92),
    )
        .prop_map(|(code, s, e)| {
            let at = |n: i64| d(2026, 10, 1) + chrono::Duration::days(n);
            period(code, s.map(at), e.map(at))
        });
    prop::collection::vec(prop::collection::vec(p, 0..3), 3).prop_map(|v| {
        v.into_iter()
            .enumerate()
            .map(|(i, ps)| (format!("c{i}"), ps))
            .collect()
    })
}

fn lookup<'h>(
    h: &'h HashMap<String, Vec<ServicePeriod>>,
) -> impl Fn(&str) -> &'h [ServicePeriod] + 'h {
    move |c| h.get(c).map_or(&[][..], Vec::as_slice)
}

proptest! {
    /// Eligibility follows the service history day by day: paint every counted period onto
    /// the window and compare with `is_payable` on each day.
    #[test]
    fn eligibility_follows_the_service_history(
        periods in prop::collection::vec(service_period(), 0..6)
    ) {
        let mut painted: Vec<Vec<&str>> = vec![Vec::new(); WINDOW as usize];
        for p in periods.iter().filter(|p| !matches!(
            p.code.as_str(), "visiting_nursing" | "visiting_rehabilitation"
        )) {
            let from = p.started_on.map_or(0, |s| (s - day(0)).num_days().max(0));
            let to = p.ended_on.map_or(WINDOW - 1, |e| (e - day(0)).num_days().min(WINDOW - 1));
            for n in from..=to {
                painted[n as usize].push(p.code.as_str());
            }
        }
        let mut reversed = periods.clone();
        reversed.reverse();
        for (n, in_use) in painted.iter().enumerate() {
            let on = day(n as i64);
            let got = is_payable(on, &periods);
            let expected = match in_use.iter().min() {
                None => Eligibility::Payable,
                Some(code) => Eligibility::NotPayable { service: code.to_string() },
            };
            prop_assert_eq!(&got, &expected, "on {}", on);
            prop_assert_eq!(is_payable(on, &reversed), got);
        }
    }

    /// From the day 計画相談支援 starts, no later day of its period is payable; before it, the
    /// other (uncounted) services leave the child payable.
    #[test]
    fn plan_consultation_start_ends_payment(
        start in 0i64..WINDOW,
        end in prop::option::of(0i64..WINDOW),
        medical in prop::collection::vec(service_period(), 0..4),
    ) {
        let mut periods: Vec<ServicePeriod> = medical
            .into_iter()
            .map(|p| ServicePeriod {
                code: if p.code.len() % 2 == 0 { "visiting_nursing" } else { "visiting_rehabilitation" }
                    .to_string(),
                ..p
            })
            .collect();
        periods.push(period("plan_consultation", Some(day(start)), end.map(day)));
        for n in 0..WINDOW {
            let in_period = n >= start && end.is_none_or(|e| n <= e);
            let got = is_payable(day(n), &periods);
            prop_assert_eq!(got.payable(), !in_period, "day {}", n);
            if in_period {
                prop_assert_eq!(got, Eligibility::NotPayable { service: "plan_consultation".to_string() });
            }
        }
    }

    /// Amounts are never negative, add up, and grow with minutes, distance and travel time.
    #[test]
    fn amount_is_non_negative_and_monotone(
        r in raw_rates(),
        kind in kind(),
        minutes in (0u32..1_000, 0u32..1_000),
        tenths in (0u32..10_001, 0u32..10_001),
        travel in (0u32..1_000, 0u32..1_000),
        extreme in prop::bool::weighted(0.1),
    ) {
        let base = ActivityForPay {
            kind,
            minutes: minutes.0.min(minutes.1),
            travel_tenths_km: tenths.0.min(tenths.1),
            travel_minutes: travel.0.min(travel.1),
            ..visit("a1", d(2026, 11, 4))
        };
        let base = if extreme {
            ActivityForPay { minutes: u32::MAX - 1_000, travel_minutes: u32::MAX - 1_000, ..base }
        } else {
            base
        };
        let low = line_for(&base, &[], &r);
        prop_assert!(low.amount >= Yen(0));
        prop_assert_eq!(low.amount, low.visit_yen + low.time_yen + low.travel_yen);
        let more = [
            ActivityForPay { minutes: base.minutes + minutes.0.abs_diff(minutes.1), ..base.clone() },
            ActivityForPay { travel_tenths_km: base.travel_tenths_km + tenths.0.abs_diff(tenths.1), ..base.clone() },
            ActivityForPay { travel_minutes: base.travel_minutes + travel.0.abs_diff(travel.1), ..base.clone() },
        ];
        for m in &more {
            let high = line_for(m, &[], &r);
            prop_assert!(high.amount >= low.amount, "{:?} < {:?}", high.amount, low.amount);
            prop_assert_eq!(high.amount, high.visit_yen + high.time_yen + high.travel_yen);
        }
        // Exact value for the formula, recomputed in i128.
        let expect = i128::from(if kind == ActivityKind::Visit { r.per_visit().value() } else { 0 })
            + i128::from(r.per_hour().value()) * i128::from(base.minutes) / 60
            + i128::from(r.per_km().value()) * i128::from(base.travel_tenths_km) / 10
            + i128::from(r.per_travel_hour().value()) * i128::from(base.travel_minutes) / 60;
        prop_assert_eq!(i128::from(low.amount.value()), expect);
    }

    /// Distances round-trip through their display form, also typed in full width.
    #[test]
    fn distance_round_trips(tenths in 0u32..=10_000) {
        let dist = Distance::from_tenths(tenths).unwrap();
        let shown = dist.to_string();
        prop_assert_eq!(Distance::parse("travel_km", &shown), Ok(dist));
        let wide: String = shown
            .chars()
            .map(|c| char::from_u32(c as u32 + 0xFEE0).unwrap())
            .collect();
        prop_assert_eq!(Distance::parse("travel_km", &format!("{wide}ｋｍ")), Ok(dist));
        let err = Distance::parse("travel_km", &format!("-{shown}")).unwrap_err();
        prop_assert_eq!(err.code, "negative");
    }

    /// A statement lists exactly the month's activities, sorted, totals its lines, and
    /// activities of other months change nothing.
    #[test]
    fn statement_ignores_other_months(
        acts in activities(24),
        h in histories(),
        r in raw_rates(),
        m in 10u32..=12,
    ) {
        let month = YearMonth::new(2026, m).unwrap();
        let s = statement(month, &acts, lookup(&h), &r);
        let in_month: Vec<ActivityForPay> =
            acts.iter().filter(|a| month.contains(a.on)).cloned().collect();
        prop_assert_eq!(&statement(month, &in_month, lookup(&h), &r), &s);
        prop_assert_eq!(s.lines.len(), in_month.len());
        prop_assert!(s.lines.iter().all(|l| month.first_day() <= l.on && l.on <= month.last_day()));
        prop_assert!(s.lines.windows(2).all(|w| (w[0].on, &w[0].activity_id) < (w[1].on, &w[1].activity_id)));
        prop_assert_eq!(s.total, total(&s.lines));
        prop_assert_eq!(s.payable_count + s.not_payable_count, s.lines.len());
        prop_assert_eq!(s.payable_count, s.lines.iter().filter(|l| l.payable).count());
        let summary = summarize_by_municipality(&s.lines);
        prop_assert_eq!(summary.iter().map(|(_, _, y)| *y).sum::<Yen>(), s.total);
        prop_assert_eq!(summary.iter().map(|(_, n, _)| *n).sum::<usize>(), s.payable_count);
        prop_assert!(summary.windows(2).all(|w| w[0].0 < w[1].0));
        // The input order does not matter.
        let mut shuffled = acts.clone();
        shuffled.reverse();
        prop_assert_eq!(statement(month, &shuffled, lookup(&h), &r), s);
    }

    /// Voided lines contribute 0: voiding one activity lowers the total by exactly its
    /// former amount and lists it with reason `voided`.
    #[test]
    fn voided_lines_contribute_zero(
        acts in activities(16),
        h in histories(),
        r in raw_rates(),
        pick in any::<prop::sample::Index>(),
    ) {
        let month = YearMonth::new(2026, 11).unwrap();
        let s = statement(month, &acts, lookup(&h), &r);
        for l in &s.lines {
            let a = acts.iter().find(|a| a.activity_id == l.activity_id).unwrap();
            if a.voided {
                prop_assert_eq!(l.amount, Yen(0));
                prop_assert_eq!(l.not_payable_reason.as_deref(), Some(REASON_VOIDED));
            }
            prop_assert_eq!(l.payable, l.not_payable_reason.is_none());
            if !l.payable {
                prop_assert_eq!(l.amount, Yen(0));
            }
        }
        if s.lines.is_empty() {
            return Ok(());
        }
        let target = &s.lines[pick.index(s.lines.len())];
        let mut voided = acts.clone();
        for a in voided.iter_mut().filter(|a| a.activity_id == target.activity_id) {
            a.voided = true;
        }
        let after = statement(month, &voided, lookup(&h), &r);
        prop_assert_eq!(after.total, s.total - target.amount);
        prop_assert_eq!(after.lines.len(), s.lines.len());
    }

    /// After approval, amendments bridge the approved and the current lines exactly, whatever
    /// changed: activities added, voided or removed, service history or rates corrected.
    #[test]
    fn amendments_bridge_approved_and_current(
        acts in activities(20),
        edits in prop::collection::vec((0u8..4, any::<prop::sample::Index>()), 0..6),
        h_approved in histories(),
        h_now in histories(),
        r_approved in raw_rates(),
        r_now in raw_rates(),
        same_rates in prop::bool::ANY,
    ) {
        let month = YearMonth::new(2026, 11).unwrap();
        let approved = statement(month, &acts, lookup(&h_approved), &r_approved).lines;
        prop_assert!(amendments(&approved, &approved).is_empty());

        let mut now = acts.clone();
        for (k, (op, ix)) in edits.into_iter().enumerate() {
            if now.is_empty() {
                break;
            }
            let i = ix.index(now.len());
            match op {
                0 => { now[i].voided = !now[i].voided; }
                1 => { now.remove(i); }
                2 => { now[i].minutes += 15; }
                _ => {
                    let mut added = now[i].clone();
                    added.activity_id = format!("new{k}");
                    added.voided = false;
                    now.push(added);
                }
            }
        }
        let r_now = if same_rates { r_approved } else { r_now };
        let current = statement(month, &now, lookup(&h_now), &r_now).lines;
        let am = amendments(&approved, &current);
        let diff: Yen = am.iter().map(|a| a.difference).sum();
        prop_assert_eq!(total(&approved) + diff, total(&current));
        prop_assert!(am.windows(2).all(|w| (w[0].on, &w[0].activity_id) < (w[1].on, &w[1].activity_id)));
        for a in &am {
            prop_assert!(a.difference != Yen(0));
            prop_assert_eq!(a.difference, a.after - a.before);
            let was = approved.iter().find(|l| l.activity_id == a.activity_id);
            let is = current.iter().find(|l| l.activity_id == a.activity_id);
            prop_assert_eq!(a.before, was.map_or(Yen(0), |l| l.amount));
            prop_assert_eq!(a.after, is.map_or(Yen(0), |l| l.amount));
            let expected = match (was, is) {
                (None, _) => AmendmentReason::Added,
                (Some(_), None) => AmendmentReason::Voided,
                (Some(_), Some(l)) if l.not_payable_reason.as_deref() == Some(REASON_VOIDED) => {
                    AmendmentReason::Voided
                }
                _ => AmendmentReason::Recalculated,
            };
            prop_assert_eq!(a.reason, expected);
        }
        // Every id whose amount differs has its amendment.
        let changed = approved
            .iter()
            .map(|l| l.activity_id.as_str())
            .chain(current.iter().map(|l| l.activity_id.as_str()))
            .filter(|id| {
                let amount = |ls: &[PayLine]| ls.iter().find(|l| l.activity_id == *id).map_or(Yen(0), |l| l.amount);
                amount(&approved) != amount(&current)
            })
            .collect::<std::collections::BTreeSet<_>>();
        prop_assert_eq!(changed.len(), am.len());
        // Applying the amendments in reverse brings the current lines back.
        prop_assert_eq!(amendments(&current, &approved).iter().map(|a| a.difference).sum::<Yen>(), -diff);
    }
}
