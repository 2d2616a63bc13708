use chrono::{NaiveDate, TimeZone, Utc};

use super::*;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 9, 1).unwrap_or_default()
}

#[test]
fn power_parses_numbers_and_reports_all_errors() {
    let ok = PowerInput {
        portable_wh: "１５００".into(),
        oxygen_cylinder_hours: "".into(),
        ..Default::default()
    }
    .parse()
    .map_err(|e| e.0);
    assert_eq!(
        ok.as_ref()
            .map(|d| (d.portable_wh, d.oxygen_cylinder_hours))
            .ok(),
        Some((1500, 0))
    );
    let bad = PowerInput {
        portable_wh: "x".into(),
        oxygen_cylinder_hours: "9999".into(),
        ..Default::default()
    }
    .parse()
    .err()
    .unwrap_or_default();
    assert!(bad.for_field("portable_wh").is_some());
    assert!(bad.for_field("oxygen_cylinder_hours").is_some());
}

#[test]
fn a_unit_needs_a_capacity_and_a_past_date() {
    let e = PowerUnitInput {
        handed_on: "2026-09-02".into(),
        model: "X".into(),
        capacity_wh: "0".into(),
        serial: String::new(),
    }
    .parse(today())
    .err()
    .unwrap_or_default();
    assert!(e.for_field("handed_on").is_some());
    assert_eq!(e.for_field("capacity_wh").map(|x| x.code), Some("required"));
}

#[test]
fn a_return_cannot_precede_the_hand_out() {
    let d = UnitReturnInput {
        returned_on: "2026-08-01".into(),
    }
    .parse(today());
    let Ok(d) = d else {
        panic!("parses");
    };
    let later = NaiveDate::from_ymd_opt(2026, 8, 2).unwrap_or_default();
    assert_eq!(
        d.check_handed_on(later).err(),
        Some(crate::messages::disaster::returned_before_handed_on())
    );
    assert!(d.check_handed_on(d.returned_on).is_ok());
}

#[test]
fn an_incident_defaults_its_start_and_refuses_the_future() {
    let now = Utc
        .with_ymd_and_hms(2026, 9, 1, 3, 0, 0)
        .single()
        .unwrap_or_default();
    let d = IncidentInput {
        title: "台風".into(),
        municipality_codes: vec!["392014, 392014".into()],
        ..Default::default()
    }
    .parse(now);
    let Ok(d) = d else {
        panic!("parses");
    };
    assert_eq!(d.started_at, now);
    assert_eq!(d.area_codes(), vec!["392014".to_string()]);
    let e = IncidentInput {
        title: "台風".into(),
        municipality_codes: vec![],
        started_at: "2026-09-01T13:00".into(),
        expected_restoration_at: "2026-09-01T12:00".into(),
    }
    .parse(now)
    .err()
    .unwrap_or_default();
    for f in [
        "municipality_codes",
        "started_at",
        "expected_restoration_at",
    ] {
        assert!(e.for_field(f).is_some(), "{f}");
    }
}

#[test]
fn a_drill_needs_participants_and_a_scenario() {
    let e = DrillInput::default()
        .parse(today())
        .err()
        .unwrap_or_default();
    for f in ["held_on", "participants", "scenario"] {
        assert!(e.for_field(f).is_some(), "{f}");
    }
}
