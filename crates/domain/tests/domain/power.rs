//! Outage runtime estimates (`domain::power`): worked examples in minutes, and property tests
//! of the triage order (more battery never sorts earlier, unknown data sorts first), duty,
//! missing data, order independence and parsing of the device form.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use domain::power::{
    estimate, DeviceDraft, DeviceInput, DeviceKind, Duty, Estimate, Missing, PowerDevice,
    PowerSources, MAX_BATTERY_MINUTES, MAX_PORTABLE_WH, MAX_WATTS,
};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

fn device(kind: DeviceKind, watts: Option<u32>, internal: u32, duty: Duty) -> PowerDevice {
    PowerDevice {
        kind,
        watts,
        internal_minutes: Some(internal),
        spare_count: 0,
        spare_minutes: None,
        duty,
    }
}

fn portable(wh: u32) -> PowerSources {
    PowerSources {
        portable_wh: wh,
        ..Default::default()
    }
}

fn known(minutes: u32, limiting: DeviceKind) -> Estimate {
    Estimate::Known { minutes, limiting }
}

/// Digits as full-width characters (全角), e.g. 240 → 「２４０」.
fn full_width(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '0'..='9' => char::from_u32(c as u32 - '0' as u32 + '０' as u32).unwrap(),
            '-' => '－',
            _ => c,
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Examples
// ---------------------------------------------------------------------------------------------

#[test]
fn ventilator_with_a_portable_station() {
    // 240 min internal + 500 Wh × 0.85 × 60 / 60 W = 240 + 425 = 665 minutes.
    let vent = device(DeviceKind::Ventilator, Some(60), 240, Duty::Continuous);
    assert_eq!(
        estimate(std::slice::from_ref(&vent), &PowerSources::default()),
        known(240, DeviceKind::Ventilator)
    );
    let e = estimate(&[vent], &portable(500));
    assert_eq!(e, known(665, DeviceKind::Ventilator));
    assert_eq!(e.sort_key(), (1, 665));
    // Two spare batteries of 180 minutes each: 240 + 2 × 180 = 600 minutes before the station.
    let with_spares = PowerDevice {
        spare_count: 2,
        spare_minutes: Some(180),
        ..device(DeviceKind::Ventilator, Some(60), 240, Duty::Continuous)
    };
    assert_eq!(
        estimate(&[with_spares], &portable(500)),
        known(600 + 425, DeviceKind::Ventilator)
    );
}

#[test]
fn suction_used_a_quarter_of_each_hour_limits_and_shares_the_station() {
    // Suction: 30 min battery at 15 min/h = 30 × 60 / 15 = 120 min; the ventilator's 240 is
    // longer, so suction stops first. Average load on the station: 60 W × 60 + 100 W × 15 =
    // 5100 W·min per hour; 1000 Wh × 0.85 × 60 × 60 / 5100 = 600 minutes. 120 + 600 = 720.
    let devices = [
        device(DeviceKind::Ventilator, Some(60), 240, Duty::Continuous),
        device(
            DeviceKind::Suction,
            Some(100),
            30,
            Duty::Intermittent {
                minutes_per_hour: 15,
            },
        ),
    ];
    assert_eq!(
        estimate(&devices, &PowerSources::default()),
        known(120, DeviceKind::Suction)
    );
    assert_eq!(
        estimate(&devices, &portable(1000)),
        known(720, DeviceKind::Suction)
    );
    // Intermittent use rounds down: 1 min of battery at 59 min/h is 60/59 = 1.01… → 1 minute.
    let brief = device(
        DeviceKind::Nebulizer,
        Some(10),
        1,
        Duty::Intermittent {
            minutes_per_hour: 59,
        },
    );
    assert_eq!(
        estimate(&[brief], &PowerSources::default()),
        known(1, DeviceKind::Nebulizer)
    );
}

#[test]
fn oxygen_concentrator_on_cylinders_then_the_station() {
    // No internal battery; 10 h of cylinders = 600 min; 500 Wh × 0.85 × 60 / 300 W = 85 min.
    // Cylinders count only for the concentrator: the pulse oximeter (120 min) stops first when
    // it is there, and the shared load is then 300 + 2 W.
    let o2 = device(
        DeviceKind::OxygenConcentrator,
        Some(300),
        0,
        Duty::Continuous,
    );
    let sources = PowerSources {
        portable_wh: 500,
        oxygen_cylinder_hours: 10,
        car_inverter: true,
        generator: true,
    };
    assert_eq!(
        estimate(std::slice::from_ref(&o2), &sources),
        known(685, DeviceKind::OxygenConcentrator)
    );
    let oximeter = device(DeviceKind::PulseOximeter, Some(2), 120, Duty::Continuous);
    // 500 × 85 × 3600 / 100 = 1_530_000 W·min; / (302 × 60) = 84.4… → 84.
    assert_eq!(
        estimate(&[o2, oximeter], &sources),
        known(120 + 84, DeviceKind::PulseOximeter)
    );
}

#[test]
fn missing_data_examples() {
    assert_eq!(
        estimate(&[], &portable(500)),
        Estimate::NotDependent,
        "no device: not dependent"
    );
    let no_runtime = PowerDevice {
        internal_minutes: None,
        ..device(DeviceKind::FeedingPump, Some(5), 0, Duty::Continuous)
    };
    assert_eq!(
        estimate(&[no_runtime], &PowerSources::default()),
        Estimate::Unknown {
            missing: vec![Missing::BatteryRuntime(DeviceKind::FeedingPump)]
        }
    );
    let spares_without_runtime = PowerDevice {
        spare_count: 1,
        ..device(DeviceKind::Ventilator, Some(60), 240, Duty::Continuous)
    };
    assert_eq!(
        estimate(&[spares_without_runtime], &PowerSources::default()),
        Estimate::Unknown {
            missing: vec![Missing::BatteryRuntime(DeviceKind::Ventilator)]
        }
    );
}

#[test]
fn ties_and_gaps_do_not_depend_on_the_order_of_devices() {
    // Both stop after 240 minutes: the ventilator (listed first among kinds) is named.
    let suction = device(DeviceKind::Suction, None, 240, Duty::Continuous);
    let vent = device(DeviceKind::Ventilator, None, 240, Duty::Continuous);
    let none = PowerSources::default();
    for devs in [
        [suction.clone(), vent.clone()],
        [vent.clone(), suction.clone()],
    ] {
        assert_eq!(estimate(&devs, &none), known(240, DeviceKind::Ventilator));
        // Gaps are listed battery runtimes first, then power draws, in kind order.
        let mut devs = devs.to_vec();
        devs.push(PowerDevice {
            internal_minutes: None,
            ..device(DeviceKind::Other, Some(5), 0, Duty::Continuous)
        });
        assert_eq!(
            estimate(&devs, &portable(500)),
            Estimate::Unknown {
                missing: vec![
                    Missing::BatteryRuntime(DeviceKind::Other),
                    Missing::PowerDraw(DeviceKind::Ventilator),
                    Missing::PowerDraw(DeviceKind::Suction),
                ]
            }
        );
    }
}

#[test]
fn numbers_too_long_for_any_integer_are_still_out_of_range() {
    let input = DeviceInput {
        internal_minutes: "100000000000000000000".into(),
        spare_minutes: "－１００００００００００００００００００００".into(),
        watts: "abc".into(),
        ..vent_form()
    };
    let errs = DeviceDraft::parse(&input).unwrap_err();
    let code = |f| errs.for_field(f).map(|e| e.code);
    assert_eq!(code("internal_minutes"), Some("too_large"));
    assert_eq!(code("spare_minutes"), Some("negative"));
    assert_eq!(code("watts"), Some("invalid_number"));
}

// ---------------------------------------------------------------------------------------------
// Strategies
// ---------------------------------------------------------------------------------------------

fn kind() -> impl Strategy<Value = DeviceKind> {
    prop::sample::select(DeviceKind::all().to_vec())
}

fn duty() -> impl Strategy<Value = Duty> {
    prop_oneof![
        Just(Duty::Continuous),
        (1u32..=59).prop_map(|m| Duty::Intermittent {
            minutes_per_hour: m
        }),
    ]
}

fn battery() -> impl Strategy<Value = u32> {
    prop_oneof![0u32..=120, 0u32..=MAX_BATTERY_MINUTES]
}

/// A device with every figure the estimate needs (within what the form accepts).
fn complete_device() -> impl Strategy<Value = PowerDevice> {
    (
        kind(),
        1u32..=MAX_WATTS,
        battery(),
        0u32..=20,
        battery(),
        duty(),
    )
        .prop_map(
            |(kind, w, internal, spare_count, spare, duty)| PowerDevice {
                kind,
                watts: Some(w),
                internal_minutes: Some(internal),
                spare_count,
                // Without spares the runtime may or may not be recorded (half of the time).
                spare_minutes: Some(spare).filter(|_| spare_count > 0 || spare % 2 == 0),
                duty,
            },
        )
}

/// A device whose figures may be missing: no power draw, no battery runtime, or spares
/// without their runtime.
fn any_device() -> impl Strategy<Value = PowerDevice> {
    (
        complete_device(),
        prop::bool::weighted(0.2),
        prop::bool::weighted(0.1),
        prop::bool::weighted(0.05),
    )
        .prop_map(|(mut d, no_watts, no_internal, no_spare)| {
            if no_watts {
                d.watts = None;
            }
            if no_internal {
                d.internal_minutes = None;
            }
            if no_spare {
                d.spare_minutes = None;
            }
            d
        })
}

fn sources() -> impl Strategy<Value = PowerSources> {
    (
        prop_oneof![Just(0u32), 1u32..=2000, 0u32..=MAX_PORTABLE_WH],
        any::<bool>(),
        any::<bool>(),
        prop_oneof![Just(0u32), 0u32..=72],
    )
        .prop_map(|(wh, car, generator, cyl)| PowerSources {
            portable_wh: wh,
            car_inverter: car,
            generator,
            oxygen_cylinder_hours: cyl,
        })
}

fn devices() -> impl Strategy<Value = Vec<PowerDevice>> {
    prop::collection::vec(any_device(), 1..6)
}

fn complete_devices() -> impl Strategy<Value = Vec<PowerDevice>> {
    prop::collection::vec(complete_device(), 1..6)
}

/// `after` (with more battery than `before`) does not sort earlier: a known number of minutes
/// never drops and never turns into unknown.
fn not_earlier(before: &Estimate, after: &Estimate) -> Result<(), TestCaseError> {
    if let Estimate::Known { minutes, .. } = before {
        match after {
            Estimate::Known { minutes: m2, .. } => prop_assert!(
                m2 >= minutes,
                "minutes dropped: {:?} -> {:?}",
                before,
                after
            ),
            other => prop_assert!(false, "known became {:?}", other),
        }
    }
    prop_assert!(
        after.sort_key() >= before.sort_key(),
        "sorts earlier: {:?} -> {:?}",
        before,
        after
    );
    Ok(())
}

/// Does the portable station have to be shared with a device of unknown draw?
fn needs_draw(devs: &[PowerDevice], s: &PowerSources) -> bool {
    s.portable_wh > 0 && devs.iter().any(|d| d.watts.is_none())
}

fn negative_number() -> impl Strategy<Value = String> {
    prop_oneof![
        (i64::MIN..=-1).prop_map(|n| n.to_string()),
        (1u64..=10_000).prop_map(|n| format!("-{n}")),
        // Below i64::MIN: still a negative whole number.
        "[1-9][0-9]{19,24}".prop_map(|s| format!("-{s}")),
        (1u64..=10_000).prop_map(|n| full_width(&format!("-{n}"))),
        ((1u64..=10_000), prop::sample::select(vec!['ー', '−', '－']))
            .prop_map(|(n, minus)| format!("{minus}{n}")),
    ]
}

fn too_many_minutes() -> impl Strategy<Value = String> {
    prop_oneof![
        (u64::from(MAX_BATTERY_MINUTES) + 1..=100_000).prop_map(|n| n.to_string()),
        (u64::from(MAX_BATTERY_MINUTES) + 1..=u64::MAX).prop_map(|n| n.to_string()),
        // Beyond any integer type: typed far too many digits.
        "[1-9][0-9]{20,30}",
        (u64::from(MAX_BATTERY_MINUTES) + 1..=100_000)
            .prop_map(|n| format!(" {} ", full_width(&n.to_string()))),
    ]
}

/// Text that looks like a number, to reach every branch of the number parser.
fn numberish() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[-－ー−+ 　0-9０-９.,eE]{0,25}",
        any::<i64>().prop_map(|n| n.to_string()),
    ]
}

fn form() -> impl Strategy<Value = DeviceInput> {
    (
        prop_oneof![
            any::<String>(),
            prop::sample::select(DeviceKind::all().to_vec()).prop_map(|k| k.code().to_string())
        ],
        any::<String>(),
        numberish(),
        numberish(),
        numberish(),
        numberish(),
        numberish(),
        any::<String>(),
    )
        .prop_map(
            |(
                kind,
                name,
                watts,
                internal_minutes,
                spare_count,
                spare_minutes,
                minutes_per_hour,
                settings,
            )| DeviceInput {
                kind,
                name,
                uses_electricity: true,
                watts,
                internal_minutes,
                spare_count,
                spare_minutes,
                minutes_per_hour,
                settings,
            },
        )
}

fn vent_form() -> DeviceInput {
    DeviceInput {
        kind: "ventilator".into(),
        watts: "60".into(),
        internal_minutes: "240".into(),
        spare_count: "1".into(),
        spare_minutes: "180".into(),
        ..Default::default()
    }
}

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

proptest! {
    /// 1a. A longer internal battery on any device never sorts the child earlier.
    #[test]
    fn more_internal_battery_never_sorts_earlier(
        devs in devices(), s in sources(), i in any::<prop::sample::Index>(),
        more in 1u32..=MAX_BATTERY_MINUTES,
    ) {
        let mut bigger = devs.clone();
        let d = &mut bigger[i.index(devs.len())];
        d.internal_minutes = Some(d.internal_minutes.unwrap_or(0) + more);
        let (before, after) = (estimate(&devs, &s), estimate(&bigger, &s));
        not_earlier(&before, &after)?;
    }

    /// 1b. More spare batteries (with their runtime recorded) never sort the child earlier.
    #[test]
    fn more_spares_never_sort_earlier(
        devs in devices(), s in sources(), i in any::<prop::sample::Index>(),
        more in 1u32..=20, runtime in battery(),
    ) {
        let mut devs = devs;
        let i = i.index(devs.len());
        if devs[i].spare_minutes.is_none() {
            // With no spares the spare runtime is not used: recording it changes nothing.
            let mut recorded = devs.clone();
            recorded[i].spare_minutes = Some(runtime);
            if devs[i].spare_count == 0 {
                prop_assert_eq!(estimate(&recorded, &s), estimate(&devs, &s));
            }
            devs = recorded;
        }
        let mut bigger = devs.clone();
        bigger[i].spare_count += more;
        not_earlier(&estimate(&devs, &s), &estimate(&bigger, &s))?;
    }

    /// 1c. Longer spare batteries (or recording their runtime) never sort the child earlier.
    #[test]
    fn longer_spares_never_sort_earlier(
        devs in devices(), s in sources(), i in any::<prop::sample::Index>(),
        more in 1u32..=MAX_BATTERY_MINUTES,
    ) {
        let mut bigger = devs.clone();
        let d = &mut bigger[i.index(devs.len())];
        d.spare_minutes = Some(d.spare_minutes.unwrap_or(0) + more);
        not_earlier(&estimate(&devs, &s), &estimate(&bigger, &s))?;
    }

    /// 1d. A bigger portable station never sorts the child earlier — except that the first
    /// station makes a device without its power draw unknown (property 4), on purpose.
    #[test]
    fn more_portable_power_never_sorts_earlier(
        devs in devices(), s in sources(), more in 1u32..=MAX_PORTABLE_WH,
    ) {
        let bigger = PowerSources { portable_wh: s.portable_wh + more, ..s };
        let (before, after) = (estimate(&devs, &s), estimate(&devs, &bigger));
        if needs_draw(&devs, &bigger) && !needs_draw(&devs, &s) {
            prop_assert!(matches!(after, Estimate::Unknown { .. }), "{:?}", after);
        } else {
            not_earlier(&before, &after)?;
        }
    }

    /// 1e. More oxygen cylinders never sort the child earlier.
    #[test]
    fn more_oxygen_cylinders_never_sort_earlier(
        devs in devices(), s in sources(), more in 1u32..=1000,
    ) {
        let bigger = PowerSources {
            oxygen_cylinder_hours: s.oxygen_cylinder_hours + more,
            ..s
        };
        let (before, after) = (estimate(&devs, &s), estimate(&devs, &bigger));
        not_earlier(&before, &after)?;
        let has_o2 = devs.iter().any(|d| d.kind == DeviceKind::OxygenConcentrator);
        if !has_o2 {
            prop_assert_eq!(after, before, "cylinders count only for a concentrator");
        }
    }

    /// 2a. Switching one device from continuous to intermittent use never shortens the time.
    #[test]
    fn intermittent_lasts_at_least_as_long_as_continuous(
        devs in devices(), s in sources(), i in any::<prop::sample::Index>(), m in 1u32..=59,
    ) {
        let i = i.index(devs.len());
        let mut continuous = devs.clone();
        continuous[i].duty = Duty::Continuous;
        let mut intermittent = devs;
        intermittent[i].duty = Duty::Intermittent { minutes_per_hour: m };
        let (c, it) = (estimate(&continuous, &s), estimate(&intermittent, &s));
        match &c {
            Estimate::Known { minutes, .. } => match &it {
                Estimate::Known { minutes: m2, .. } => prop_assert!(m2 >= minutes, "{:?} -> {:?}", c, it),
                other => prop_assert!(false, "known became {:?}", other),
            },
            // Duty does not decide which data are missing.
            _ => prop_assert_eq!(&it, &c),
        }
    }

    /// 2b. Without portable power, when the switched device (battery b > 0) is the one that
    /// stops first, intermittent use gives exactly min(b × 60 / m, the others): strictly more
    /// than b whenever the gain is at least a whole minute (b × (60 − m) ≥ m; below that the
    /// estimate rounds down to b).
    #[test]
    fn intermittent_limiting_device_lasts_longer(
        k in kind(), w in 1u32..=MAX_WATTS, b in 1u32..=MAX_BATTERY_MINUTES, m in 1u32..=59,
        others in prop::collection::vec((complete_device(), 1u32..=MAX_BATTERY_MINUTES), 0..4),
    ) {
        let s = PowerSources::default();
        // Every other device has more than b minutes of its own.
        let others: Vec<PowerDevice> = others
            .into_iter()
            .map(|(mut d, extra)| {
                d.internal_minutes = Some(b + extra);
                d
            })
            .collect();
        let switched = |duty| {
            let mut v = vec![device(k, Some(w), b, duty)];
            v.extend(others.iter().cloned());
            v
        };
        prop_assert_eq!(estimate(&switched(Duty::Continuous), &s), known(b, k));
        let it = estimate(&switched(Duty::Intermittent { minutes_per_hour: m }), &s);
        let own = b * 60 / m;
        // The others alone (not dependent when there are none).
        let rest = match estimate(&others, &s) {
            Estimate::Known { minutes, .. } => Some(minutes),
            _ => None,
        };
        let Estimate::Known { minutes, limiting } = it else {
            return Err(TestCaseError::fail(format!("not known: {it:?}")));
        };
        prop_assert_eq!(minutes, rest.map_or(own, |r| own.min(r)));
        if b * (60 - m) >= m {
            prop_assert!(minutes > b, "{} min/h on {} min: {}", m, b, minutes);
        } else {
            prop_assert_eq!(minutes, b);
        }
        if rest.is_none_or(|r| own < r) {
            prop_assert_eq!(limiting, k);
        }
    }

    /// 3. A device without its battery runtime makes the child unknown, and unknown sorts
    /// before every known time and before "not dependent".
    #[test]
    fn missing_battery_runtime_is_unknown_and_sorts_first(
        devs in devices(), s in sources(), i in any::<prop::sample::Index>(),
        minutes in any::<u32>(), limiting in kind(),
    ) {
        let mut devs = devs;
        let i = i.index(devs.len());
        devs[i].internal_minutes = None;
        let e = estimate(&devs, &s);
        let Estimate::Unknown { missing } = &e else {
            return Err(TestCaseError::fail(format!("not unknown: {e:?}")));
        };
        prop_assert!(missing.contains(&Missing::BatteryRuntime(devs[i].kind)), "{:?}", missing);
        prop_assert!(e.sort_key() < known(minutes, limiting).sort_key());
        prop_assert!(e.sort_key() < known(0, limiting).sort_key());
        prop_assert!(e.sort_key() < Estimate::NotDependent.sort_key());
        prop_assert!(known(minutes, limiting).sort_key() < Estimate::NotDependent.sort_key());
        // Whatever estimate the complete data gives, it sorts after this one.
        let mut complete = devs.clone();
        complete[i].internal_minutes = Some(0);
        for d in &mut complete {
            d.internal_minutes.get_or_insert(0);
            d.spare_minutes.get_or_insert(0);
            d.watts.get_or_insert(1);
        }
        let c = estimate(&complete, &s);
        prop_assert!(matches!(c, Estimate::Known { .. }), "{:?}", c);
        prop_assert!(e.sort_key() < c.sort_key());
    }

    /// 4. A missing power draw matters only when portable power has to be shared.
    #[test]
    fn missing_power_draw_matters_only_with_portable_power(
        devs in complete_devices(), s in sources(), i in any::<prop::sample::Index>(),
        wh in 1u32..=MAX_PORTABLE_WH,
    ) {
        let mut devs = devs;
        let i = i.index(devs.len());
        devs[i].watts = None;
        let without = PowerSources { portable_wh: 0, ..s };
        let e = estimate(&devs, &without);
        prop_assert!(matches!(e, Estimate::Known { .. }), "{:?}", e);
        // Without a station the draw is not used at all.
        let mut with_draw = devs.clone();
        with_draw[i].watts = Some(60);
        prop_assert_eq!(estimate(&with_draw, &without), e);

        let with = PowerSources { portable_wh: wh, ..s };
        let Estimate::Unknown { missing } = estimate(&devs, &with) else {
            return Err(TestCaseError::fail("not unknown with portable power"));
        };
        prop_assert!(missing.contains(&Missing::PowerDraw(devs[i].kind)), "{:?}", missing);
        // Only the draws are missing, each kind once.
        for gap in &missing {
            let Missing::PowerDraw(k) = gap else {
                return Err(TestCaseError::fail(format!("unexpected gap {gap:?}")));
            };
            prop_assert!(devs.iter().any(|d| d.kind == *k && d.watts.is_none()));
            prop_assert_eq!(missing.iter().filter(|g| *g == gap).count(), 1);
        }
    }

    /// 5a. Battery runtimes above 72 hours are refused as typing errors ("too_large").
    #[test]
    fn battery_runtime_above_the_limit_is_too_large(
        raw in too_many_minutes(), spare_field in any::<bool>(),
    ) {
        let mut input = vent_form();
        let field = if spare_field {
            input.spare_minutes = raw.clone();
            "spare_minutes"
        } else {
            input.internal_minutes = raw.clone();
            "internal_minutes"
        };
        let errs = DeviceDraft::parse(&input).unwrap_err();
        prop_assert_eq!(errs.for_field(field).map(|e| e.code), Some("too_large"), "{:?}", raw);
        prop_assert_eq!(errs.iter().count(), 1);
    }

    /// 5b. Runtimes up to 72 hours are accepted, in ASCII or full-width digits, with spaces.
    #[test]
    fn battery_runtime_within_the_limit_is_accepted(
        n in 0u32..=MAX_BATTERY_MINUTES, wide in any::<bool>(), spare_field in any::<bool>(),
    ) {
        let raw = if wide { format!("　{}　", full_width(&n.to_string())) } else { n.to_string() };
        let mut input = vent_form();
        if spare_field {
            input.spare_minutes = raw;
        } else {
            input.internal_minutes = raw;
        }
        let d = DeviceDraft::parse(&input).unwrap().device;
        let got = if spare_field { d.spare_minutes } else { d.internal_minutes };
        prop_assert_eq!(got, Some(n));
        prop_assert_eq!(d.kind, DeviceKind::Ventilator);
    }

    /// 5c. Every number field refuses a negative number ("negative").
    #[test]
    fn negative_numbers_are_refused(raw in negative_number(), field in 0usize..5) {
        let mut input = vent_form();
        let name = match field {
            0 => { input.watts = raw.clone(); "watts" }
            1 => { input.internal_minutes = raw.clone(); "internal_minutes" }
            2 => { input.spare_count = raw.clone(); "spare_count" }
            3 => { input.spare_minutes = raw.clone(); "spare_minutes" }
            _ => { input.minutes_per_hour = raw.clone(); "minutes_per_hour" }
        };
        let errs = DeviceDraft::parse(&input).unwrap_err();
        prop_assert_eq!(errs.for_field(name).map(|e| e.code), Some("negative"), "{:?}", raw);
    }

    /// 5d. Full-width digits mean the same as ASCII digits in every number field.
    #[test]
    fn full_width_digits_are_accepted(
        watts in 1u32..=MAX_WATTS, internal in 0u32..=MAX_BATTERY_MINUTES, spares in 0u32..=20,
        spare in 0u32..=MAX_BATTERY_MINUTES, per_hour in 1u32..=60,
    ) {
        let ascii = DeviceInput {
            kind: "suction".into(),
            watts: watts.to_string(),
            internal_minutes: internal.to_string(),
            spare_count: spares.to_string(),
            spare_minutes: spare.to_string(),
            minutes_per_hour: per_hour.to_string(),
            ..Default::default()
        };
        let wide = DeviceInput {
            watts: full_width(&ascii.watts),
            internal_minutes: full_width(&ascii.internal_minutes),
            spare_count: full_width(&ascii.spare_count),
            spare_minutes: full_width(&ascii.spare_minutes),
            minutes_per_hour: full_width(&ascii.minutes_per_hour),
            ..ascii.clone()
        };
        let a = DeviceDraft::parse(&ascii).unwrap();
        prop_assert_eq!(&DeviceDraft::parse(&wide).unwrap(), &a);
        let d = a.device;
        prop_assert_eq!(
            (d.watts, d.internal_minutes, d.spare_count, d.spare_minutes),
            (Some(watts), Some(internal), spares, Some(spare))
        );
        let expected_duty = if per_hour == 60 {
            Duty::Continuous
        } else {
            Duty::Intermittent { minutes_per_hour: per_hour }
        };
        prop_assert_eq!(d.duty, expected_duty);
    }

    /// 5e. Parsing never panics on arbitrary text in any field, and what it accepts is within
    /// the limits.
    #[test]
    fn parse_never_panics(input in form()) {
        if let Ok(draft) = DeviceDraft::parse(&input) {
            let d = draft.device;
            prop_assert!(d.watts.is_none_or(|w| (1..=MAX_WATTS).contains(&w)));
            prop_assert!(d.internal_minutes.is_none_or(|m| m <= MAX_BATTERY_MINUTES));
            prop_assert!(d.spare_minutes.is_none_or(|m| m <= MAX_BATTERY_MINUTES));
            prop_assert!(d.spare_count <= 20);
            prop_assert!(d.spare_count == 0 || d.spare_minutes.is_some());
            prop_assert!((1..=60).contains(&d.duty.minutes_per_hour()));
            prop_assert_eq!(Some(d.kind), DeviceKind::parse(&input.kind));
        }
    }

    /// 6. The estimate does not depend on the order the devices are listed in.
    #[test]
    fn order_does_not_matter(
        (devs, shuffled) in devices().prop_flat_map(|v| (Just(v.clone()), Just(v).prop_shuffle())),
        s in sources(),
    ) {
        let e = estimate(&devs, &s);
        let mut reversed = devs.clone();
        reversed.reverse();
        prop_assert_eq!(&estimate(&reversed, &s), &e);
        prop_assert_eq!(&estimate(&shuffled, &s), &e);
    }
}
