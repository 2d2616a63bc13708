use super::*;

fn vent(internal: u32) -> PowerDevice {
    PowerDevice {
        kind: DeviceKind::Ventilator,
        watts: Some(60),
        internal_minutes: Some(internal),
        spare_count: 0,
        spare_minutes: None,
        duty: Duty::Continuous,
    }
}

#[test]
fn examples() {
    let none = PowerSources::default();
    assert_eq!(estimate(&[], &none), Estimate::NotDependent);
    assert_eq!(
        estimate(&[vent(240)], &none),
        Estimate::Known {
            minutes: 240,
            limiting: DeviceKind::Ventilator
        }
    );
    // 500 Wh × 0.85 at 60 W = 425 minutes more.
    let portable = PowerSources {
        portable_wh: 500,
        ..Default::default()
    };
    assert_eq!(
        estimate(&[vent(240)], &portable),
        Estimate::Known {
            minutes: 665,
            limiting: DeviceKind::Ventilator
        }
    );
    // Suction 15 minutes an hour on a 30-minute battery lasts 2 hours.
    let suction = PowerDevice {
        kind: DeviceKind::Suction,
        watts: None,
        internal_minutes: Some(30),
        spare_count: 0,
        spare_minutes: None,
        duty: Duty::Intermittent {
            minutes_per_hour: 15,
        },
    };
    assert_eq!(
        estimate(&[vent(240), suction.clone()], &none),
        Estimate::Known {
            minutes: 120,
            limiting: DeviceKind::Suction
        }
    );
    // With portable power to share, the suction unit's unknown draw makes it unknown.
    assert_eq!(
        estimate(&[vent(240), suction], &portable),
        Estimate::Unknown {
            missing: vec![Missing::PowerDraw(DeviceKind::Suction)]
        }
    );
    assert_eq!(format_minutes(200, Lang::Ja), "3時間20分");
}

#[test]
fn absurd_and_negative_figures_are_refused() {
    let input = DeviceInput {
        kind: "ventilator".into(),
        internal_minutes: "5000".into(),
        watts: "-3".into(),
        spare_count: "2".into(),
        ..Default::default()
    };
    let errs = DeviceDraft::parse(&input).unwrap_err();
    assert_eq!(
        errs.for_field("internal_minutes").map(|e| e.code),
        Some("too_large")
    );
    assert_eq!(errs.for_field("watts").map(|e| e.code), Some("negative"));
    assert_eq!(
        errs.for_field("spare_minutes").map(|e| e.code),
        Some("required")
    );
    let ok = DeviceDraft::parse(&DeviceInput {
        kind: "suction".into(),
        internal_minutes: "３０".into(),
        minutes_per_hour: "15".into(),
        ..Default::default()
    })
    .unwrap();
    assert_eq!(
        ok.device.duty,
        Duty::Intermittent {
            minutes_per_hour: 15
        }
    );
}

#[test]
fn names_that_state_a_kind_exactly_are_that_kind() {
    assert_eq!(
        DeviceKind::from_name("人工呼吸器"),
        Some(DeviceKind::Ventilator)
    );
    assert_eq!(
        DeviceKind::from_name(" 酸素濃縮器 "),
        Some(DeviceKind::OxygenConcentrator)
    );
    assert_eq!(
        DeviceKind::from_name("suction unit"),
        Some(DeviceKind::Suction)
    );
    assert_eq!(DeviceKind::from_name("人工呼吸器（予備）"), None);
    assert_eq!(DeviceKind::from_name(""), None);
    // A record row with a name only: kind from the name, else その他; electric by default.
    let row = |name: &str| DeviceInput {
        name: name.into(),
        internal_minutes: "503".into(),
        ..Default::default()
    };
    let d = DeviceDraft::parse(&row("人工呼吸器")).unwrap();
    assert_eq!(d.device.kind, DeviceKind::Ventilator);
    assert!(d.uses_electricity);
    assert_eq!(d.device.internal_minutes, Some(503));
    let d = DeviceDraft::parse(&row("トリロジー")).unwrap();
    assert_eq!(d.device.kind, DeviceKind::Other);
    assert_eq!(d.name.as_deref(), Some("トリロジー"));
    // Neither kind nor name: the row is refused, naming the kind.
    let e = DeviceDraft::parse(&DeviceInput {
        watts: "30".into(),
        ..Default::default()
    })
    .unwrap_err();
    assert_eq!(e.for_field("kind").map(|e| e.code), Some("required"));
}

#[test]
fn device_lists_skip_blank_rows_and_name_the_row_of_each_error() {
    let mut errs = ValidationErrors::new();
    let rows = vec![
        DeviceInput::default(),
        DeviceInput {
            kind: "ventilator".into(),
            watts: "-60".into(),
            ..Default::default()
        },
        DeviceInput {
            kind: "suction".into(),
            ..Default::default()
        },
    ];
    let drafts = parse_devices(&rows, &mut errs);
    assert_eq!(drafts.len(), 1);
    assert_eq!(
        errs.for_field("devices.1.watts").map(|e| e.code),
        Some("negative")
    );
    let many = vec![
        DeviceInput {
            kind: "other".into(),
            ..Default::default()
        };
        MAX_DEVICES + 1
    ];
    let mut errs = ValidationErrors::new();
    parse_devices(&many, &mut errs);
    assert!(errs.for_field("devices").is_some());
}

#[test]
fn care_that_needs_power_without_power_data_is_called_first() {
    let none = PowerSources::default();
    let unknown = Estimate::Unknown {
        missing: vec![Missing::NoPowerData],
    };
    assert_eq!(assess(&[], &none, false, &["ventilator"]), unknown);
    assert_eq!(
        assess(&[], &none, false, &["tracheostomy", "oxygen"]),
        unknown
    );
    assert_eq!(unknown.sort_key(), (0, 0));
    // Care that needs no electricity, or power details entered (e.g. cylinders only).
    assert_eq!(
        assess(&[], &none, false, &["tracheostomy", "enema"]),
        Estimate::NotDependent
    );
    assert_eq!(
        assess(&[], &none, true, &["oxygen"]),
        Estimate::NotDependent
    );
    // A device that uses no electricity does not count, nor does it clear the flag.
    let manual = DeviceDraft::parse(&DeviceInput {
        name: "手動吸引器".into(),
        uses_electricity: false,
        ..Default::default()
    })
    .unwrap();
    assert_eq!(
        assess(std::slice::from_ref(&manual), &none, false, &["suction"]),
        unknown
    );
    assert_eq!(assess(&[manual], &none, false, &[]), Estimate::NotDependent);
    // Entered devices are estimated as before.
    let vent = DeviceDraft::parse(&DeviceInput {
        kind: "ventilator".into(),
        internal_minutes: "240".into(),
        ..Default::default()
    })
    .unwrap();
    assert_eq!(
        assess(&[vent], &none, false, &["ventilator"]),
        Estimate::Known {
            minutes: 240,
            limiting: DeviceKind::Ventilator
        }
    );
    assert_eq!(Missing::NoPowerData.message(Lang::Ja), "電源情報未登録");
    // Every code the rule names is in the code list.
    assert_eq!(power_care_codes().len(), 8);
}
