//! Power for children who live on electricity (電源が必要な医療機器): each device's draw and
//! batteries, the household's other sources, and how long the child can go without mains
//! power — the number a power-outage triage sorts by ("whose battery runs out first?").
//!
//! ## The estimate
//! For each device that uses electricity:
//!
//! ```text
//! own battery  = internal + spare count × spare runtime            (minutes of running)
//! own time     = own battery × 60 / minutes used per hour          (intermittent use drains
//!                                                                   only while running)
//!              + oxygen cylinders × 60                              (oxygen concentrators)
//! ```
//! After its own batteries, every device runs on the portable power (portable power stations,
//! including a unit the center handed out), shared at the household's average load:
//!
//! ```text
//! portable time = portable Wh × 0.85 (inverter losses) × 60 / Σ (watts × share of each hour used)
//! child's time  = min over devices (own time) + portable time
//! ```
//! A car inverter or generator is shown to staff but not counted: whether there is fuel, and
//! whether the family can run it safely, is what the phone call finds out.
//!
//! Data the estimate needs but does not have is never guessed: a device without its battery
//! runtime, or without its power draw when portable power has to be shared, makes the child
//! [`Estimate::Unknown`], which sorts **first** ("unknown — call first").

use serde::{Deserialize, Serialize};

use crate::text::whole_number;
use crate::{FieldError, Lang, ValidationErrors};

/// Longest internal or spare battery runtime accepted: 72 hours. Longer figures are typing
/// errors (minutes entered as seconds, hours as minutes).
pub const MAX_BATTERY_MINUTES: u32 = 72 * 60;
/// Largest power draw accepted for one home device, in watts.
pub const MAX_WATTS: u32 = 3000;
/// Largest portable capacity accepted for one household, in Wh.
pub const MAX_PORTABLE_WH: u32 = 50_000;
/// Share of a portable station's capacity that reaches the device (inverter losses).
const PORTABLE_EFFICIENCY_PERCENT: u64 = 85;

/// Kinds of device (機器の種類). Ordered as displayed, which also breaks ties between devices
/// that stop at the same minute.
#[derive(
    utoipa::ToSchema,
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum DeviceKind {
    /// 人工呼吸器.
    Ventilator,
    /// 吸引器.
    Suction,
    /// 酸素濃縮装置.
    OxygenConcentrator,
    /// 経管栄養ポンプ.
    FeedingPump,
    /// パルスオキシメーター.
    PulseOximeter,
    /// ネブライザー.
    Nebulizer,
    /// 排痰補助装置（カフアシスト）.
    CoughAssist,
    /// 輸液ポンプ・シリンジポンプ (central venous nutrition, continuous subcutaneous infusion).
    InfusionPump,
    /// 自動腹膜透析装置 (APD cycler).
    DialysisCycler,
    /// 電動ベッド.
    ElectricBed,
    /// その他.
    Other,
}

impl DeviceKind {
    /// Every kind, in display order.
    pub fn all() -> [DeviceKind; 11] {
        use DeviceKind::*;
        [
            Ventilator,
            Suction,
            OxygenConcentrator,
            FeedingPump,
            PulseOximeter,
            Nebulizer,
            CoughAssist,
            InfusionPump,
            DialysisCycler,
            ElectricBed,
            Other,
        ]
    }

    /// Stable code.
    pub fn code(self) -> &'static str {
        use DeviceKind::*;
        match self {
            Ventilator => "ventilator",
            Suction => "suction",
            OxygenConcentrator => "oxygen_concentrator",
            FeedingPump => "feeding_pump",
            PulseOximeter => "pulse_oximeter",
            Nebulizer => "nebulizer",
            CoughAssist => "cough_assist",
            InfusionPump => "infusion_pump",
            DialysisCycler => "dialysis_cycler",
            ElectricBed => "electric_bed",
            Other => "other",
        }
    }

    /// Parses a code.
    pub fn parse(s: &str) -> Option<DeviceKind> {
        DeviceKind::all().into_iter().find(|k| k.code() == s.trim())
    }

    /// The kind a device name states exactly (its Japanese or English label, or a common
    /// synonym such as 酸素濃縮器 or カフアシスト), ignoring spaces and width. A name that is
    /// not exactly one of them is not guessed at: it answers `None`.
    pub fn from_name(name: &str) -> Option<DeviceKind> {
        let key = crate::kana::normalize_for_search(&name.to_lowercase());
        if key.is_empty() {
            return None;
        }
        let synonyms: [(&str, DeviceKind); 6] = [
            ("酸素濃縮器", DeviceKind::OxygenConcentrator),
            ("カフアシスト", DeviceKind::CoughAssist),
            ("吸引機", DeviceKind::Suction),
            ("シリンジポンプ", DeviceKind::InfusionPump),
            ("栄養ポンプ", DeviceKind::FeedingPump),
            ("在宅人工呼吸器", DeviceKind::Ventilator),
        ];
        DeviceKind::all()
            .into_iter()
            .filter(|k| *k != DeviceKind::Other)
            .flat_map(|k| [(k.label(Lang::Ja), k), (k.label(Lang::En), k)])
            .chain(synonyms)
            .find(|(label, _)| crate::kana::normalize_for_search(&label.to_lowercase()) == key)
            .map(|(_, k)| k)
    }

    /// Label.
    pub fn label(self, lang: Lang) -> &'static str {
        use DeviceKind::*;
        match self {
            Ventilator => lang.pick("人工呼吸器", "Ventilator"),
            Suction => lang.pick("吸引器", "Suction unit"),
            OxygenConcentrator => lang.pick("酸素濃縮装置", "Oxygen concentrator"),
            FeedingPump => lang.pick("経管栄養ポンプ", "Feeding pump"),
            PulseOximeter => lang.pick("パルスオキシメーター", "Pulse oximeter"),
            Nebulizer => lang.pick("ネブライザー", "Nebulizer"),
            CoughAssist => lang.pick("排痰補助装置", "Cough assist"),
            InfusionPump => lang.pick("輸液ポンプ", "Infusion pump"),
            DialysisCycler => lang.pick("自動腹膜透析装置", "Dialysis cycler"),
            ElectricBed => lang.pick("電動ベッド", "Electric bed"),
            Other => lang.pick("その他", "Other"),
        }
    }
}

/// How a device runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "mode")]
pub enum Duty {
    /// Runs all the time (常時).
    Continuous,
    /// Runs some minutes in each hour (間欠), 1‥59.
    Intermittent {
        /// Minutes of use per hour.
        minutes_per_hour: u32,
    },
}

impl Duty {
    /// Minutes of use per hour (60 for continuous).
    pub fn minutes_per_hour(self) -> u32 {
        match self {
            Duty::Continuous => 60,
            Duty::Intermittent { minutes_per_hour } => minutes_per_hour.clamp(1, 60),
        }
    }
}

/// One device that uses electricity, as the estimate sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PowerDevice {
    /// Kind.
    pub kind: DeviceKind,
    /// Power draw in watts, if known.
    pub watts: Option<u32>,
    /// Internal battery runtime in minutes of running, if known.
    pub internal_minutes: Option<u32>,
    /// Spare batteries.
    pub spare_count: u32,
    /// Runtime of one spare battery in minutes (needed when `spare_count > 0`).
    pub spare_minutes: Option<u32>,
    /// Continuous or intermittent.
    pub duty: Duty,
}

/// A device as typed in the form or sent to the API: one row of the child's one equipment
/// list (使用している医療機器), edited on the child form and on the power page alike.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct DeviceInput {
    /// Kind code ("" = read from the name when it states a kind exactly, else その他).
    #[schema(schema_with = device_kind_schema)]
    pub kind: String,
    /// 名称・型番.
    pub name: String,
    /// Runs on electricity (電気を使う); absent in JSON = yes.
    pub uses_electricity: bool,
    /// Watts ("" = unknown).
    pub watts: String,
    /// Internal battery minutes, 0-4320 (72 h); "" = unknown. `battery_minutes` is accepted for
    /// the record API's earlier name of the same fact.
    #[serde(alias = "battery_minutes")]
    pub internal_minutes: String,
    /// Spare batteries ("" = none).
    pub spare_count: String,
    /// Minutes per spare battery.
    pub spare_minutes: String,
    /// Minutes used per hour, 1-60: "" or "60" = continuous.
    pub minutes_per_hour: String,
    /// Settings (設定: mode, rate, flow…), shown on the emergency sheet.
    pub settings: String,
}

impl Default for DeviceInput {
    fn default() -> Self {
        DeviceInput {
            kind: String::new(),
            name: String::new(),
            uses_electricity: true,
            watts: String::new(),
            internal_minutes: String::new(),
            spare_count: String::new(),
            spare_minutes: String::new(),
            minutes_per_hour: String::new(),
            settings: String::new(),
        }
    }
}

impl DeviceInput {
    /// Nothing typed in the row (an unused row of the form).
    pub fn is_blank(&self) -> bool {
        [
            &self.kind,
            &self.name,
            &self.watts,
            &self.internal_minutes,
            &self.spare_count,
            &self.spare_minutes,
            &self.minutes_per_hour,
            &self.settings,
        ]
        .iter()
        .all(|v| v.trim().is_empty())
    }
}

/// Most devices a child's list holds.
pub const MAX_DEVICES: usize = 20;

/// Parses a child's equipment list: blank rows are skipped, every error is collected into
/// `errs` with its field named `devices.N.field` (N = the row as typed).
pub fn parse_devices(inputs: &[DeviceInput], errs: &mut ValidationErrors) -> Vec<DeviceDraft> {
    if inputs.iter().filter(|d| !d.is_blank()).count() > MAX_DEVICES {
        errs.push(FieldError::new(
            "devices",
            "too_many",
            "機器は20台までです",
            "At most 20 devices.",
        ));
    }
    let mut drafts = Vec::new();
    for (i, d) in inputs.iter().enumerate() {
        if d.is_blank() {
            continue;
        }
        match DeviceDraft::parse(d) {
            Ok(draft) => drafts.push(draft),
            Err(e) => {
                for fe in e.iter() {
                    let mut fe = fe.clone();
                    fe.field = format!("devices.{i}.{}", fe.field);
                    errs.push(fe);
                }
            }
        }
    }
    drafts
}

/// A validated device with its display fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceDraft {
    /// The estimate's view.
    pub device: PowerDevice,
    /// Runs on electricity: only these count in the outage estimate.
    pub uses_electricity: bool,
    /// 名称・型番.
    pub name: Option<String>,
    /// Settings.
    pub settings: Option<String>,
}

impl DeviceDraft {
    /// Validates one device, collecting every error. Battery runtimes above
    /// [`MAX_BATTERY_MINUTES`] (72 h) are refused as typing errors.
    pub fn parse(input: &DeviceInput) -> Result<DeviceDraft, ValidationErrors> {
        let mut errs = ValidationErrors::new();
        let kind = if input.kind.trim().is_empty() {
            // The record form's rows name a device in words; a name that states a kind
            // exactly is that kind, any other is その他 (the name is kept and printed).
            (!input.name.trim().is_empty())
                .then(|| DeviceKind::from_name(&input.name).unwrap_or(DeviceKind::Other))
        } else {
            DeviceKind::parse(&input.kind)
        };
        if kind.is_none() {
            errs.push(FieldError::new(
                "kind",
                "required",
                "機器の種類を選ぶか、名称を入力してください",
                "Choose the kind of device or enter its name.",
            ));
        }
        let watts = errs.check(whole_number(
            "watts",
            &input.watts,
            MAX_WATTS,
            "消費電力(W)",
            "Power draw (W)",
        ));
        if watts == Some(Some(0)) {
            errs.push(FieldError::new(
                "watts",
                "zero",
                "消費電力が分からない場合は空欄にしてください",
                "Leave the power draw empty when it is not known.",
            ));
        }
        let internal = errs.check(whole_number(
            "internal_minutes",
            &input.internal_minutes,
            MAX_BATTERY_MINUTES,
            "内部バッテリーの稼働時間(分)",
            "Internal battery runtime (minutes)",
        ));
        let spare_count = errs.check(whole_number(
            "spare_count",
            &input.spare_count,
            20,
            "予備バッテリーの数",
            "Spare batteries",
        ));
        let spare_minutes = errs.check(whole_number(
            "spare_minutes",
            &input.spare_minutes,
            MAX_BATTERY_MINUTES,
            "予備バッテリー1個の稼働時間(分)",
            "Runtime of one spare battery (minutes)",
        ));
        if let (Some(Some(n)), Some(None)) = (spare_count, spare_minutes) {
            if n > 0 {
                errs.push(FieldError::new(
                    "spare_minutes",
                    "required",
                    "予備バッテリー1個の稼働時間を入力してください",
                    "Enter the runtime of one spare battery.",
                ));
            }
        }
        let per_hour = errs.check(whole_number(
            "minutes_per_hour",
            &input.minutes_per_hour,
            60,
            "1時間あたりの使用時間(分)",
            "Minutes used per hour",
        ));
        if per_hour == Some(Some(0)) {
            errs.push(FieldError::new(
                "minutes_per_hour",
                "zero",
                "使わない機器は登録しないか、1以上の分数を入力してください",
                "Enter at least 1 minute per hour, or leave it empty for continuous use.",
            ));
        }
        let name = errs.check(crate::text::optional_line("name", &input.name, 100));
        let settings = errs.check(crate::text::optional_text("settings", &input.settings, 500));
        errs.into_result()?;
        match (
            kind,
            watts,
            internal,
            spare_count,
            spare_minutes,
            per_hour,
            name,
            settings,
        ) {
            (
                Some(kind),
                Some(watts),
                Some(internal_minutes),
                Some(spare),
                Some(spare_minutes),
                Some(per_hour),
                Some(name),
                Some(settings),
            ) => Ok(DeviceDraft {
                device: PowerDevice {
                    kind,
                    watts,
                    internal_minutes,
                    spare_count: spare.unwrap_or(0),
                    spare_minutes,
                    duty: match per_hour {
                        None | Some(60) => Duty::Continuous,
                        Some(m) => Duty::Intermittent {
                            minutes_per_hour: m,
                        },
                    },
                },
                uses_electricity: input.uses_electricity,
                name,
                settings,
            }),
            _ => Err(ValidationErrors(vec![FieldError::required("kind")])),
        }
    }
}

/// Power the household has besides the devices' own batteries.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PowerSources {
    /// Portable power stations (ポータブル電源), including units the center handed out, in Wh.
    pub portable_wh: u32,
    /// Car with an inverter (shown, not counted).
    pub car_inverter: bool,
    /// Generator (shown, not counted).
    pub generator: bool,
    /// Oxygen cylinders (酸素ボンベ), hours in total.
    pub oxygen_cylinder_hours: u32,
}

/// Why an estimate cannot be made.
#[derive(
    utoipa::ToSchema, Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case", tag = "kind", content = "device")]
pub enum Missing {
    /// The child's medical care needs electric devices ([`care_device`]) but neither a
    /// device nor the household's power details were ever entered (電源情報未登録).
    NoPowerData,
    /// A device's battery runtime is not recorded.
    BatteryRuntime(DeviceKind),
    /// A device's power draw is not recorded, and portable power must be shared.
    PowerDraw(DeviceKind),
}

impl Missing {
    /// The gap as a phrase, e.g. 「人工呼吸器のバッテリー時間が未登録」.
    pub fn message(self, lang: Lang) -> String {
        match self {
            Missing::NoPowerData => lang
                .pick("電源情報未登録", "Power details not recorded")
                .to_string(),
            Missing::BatteryRuntime(k) => lang.pick(
                format!("{}のバッテリー時間が未登録", k.label(lang)),
                format!("{}: battery runtime not recorded", k.label(lang)),
            ),
            Missing::PowerDraw(k) => lang.pick(
                format!("{}の消費電力が未登録", k.label(lang)),
                format!("{}: power draw not recorded", k.label(lang)),
            ),
        }
    }
}

/// Version of the estimate rules. The store keeps each child's estimate precomputed for the
/// outage triage list and recomputes every one when this number differs from the one it was
/// computed with: raise it whenever [`estimate`] would answer differently for the same data.
pub const ESTIMATE_VERSION: u32 = 2;

/// How long a child can go without mains power.
#[derive(utoipa::ToSchema, Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum Estimate {
    /// No device needs electricity.
    NotDependent,
    /// Data is missing: call first.
    Unknown {
        /// What is missing (each device kind at most once per kind of gap): battery runtimes,
        /// then power draws, each in [`DeviceKind`] order.
        missing: Vec<Missing>,
    },
    /// Minutes until the first device stops, and which device that is.
    Known {
        /// Minutes.
        minutes: u32,
        /// The device that stops first.
        limiting: DeviceKind,
    },
}

impl Estimate {
    /// Triage order: unknown first, then fewest minutes first, not dependent last.
    pub fn sort_key(&self) -> (u8, u32) {
        match self {
            Estimate::Unknown { .. } => (0, 0),
            Estimate::Known { minutes, .. } => (1, *minutes),
            Estimate::NotDependent => (2, 0),
        }
    }
}

/// The device's own time in minutes (its batteries at its duty, plus oxygen cylinders for a
/// concentrator), or what is missing.
fn own_minutes(d: &PowerDevice, sources: &PowerSources) -> Result<u64, Missing> {
    let internal = d.internal_minutes.ok_or(Missing::BatteryRuntime(d.kind))?;
    let spare = if d.spare_count == 0 {
        0
    } else {
        u64::from(d.spare_count)
            * u64::from(d.spare_minutes.ok_or(Missing::BatteryRuntime(d.kind))?)
    };
    // Saturating: the form caps every figure, but a caller building devices directly must not
    // be able to overflow the arithmetic.
    let battery = u64::from(internal).saturating_add(spare);
    let mut own = battery.saturating_mul(60) / u64::from(d.duty.minutes_per_hour());
    if d.kind == DeviceKind::OxygenConcentrator {
        own = own.saturating_add(u64::from(sources.oxygen_cylinder_hours) * 60);
    }
    Ok(own)
}

/// Estimates how long the child can go without mains power (see the module docs).
pub fn estimate(devices: &[PowerDevice], sources: &PowerSources) -> Estimate {
    if devices.is_empty() {
        return Estimate::NotDependent;
    }
    let mut missing: Vec<Missing> = Vec::new();
    let mut first: Option<(u64, DeviceKind)> = None;
    for d in devices {
        match own_minutes(d, sources) {
            Ok(m) => {
                // Ties go to the kind listed first, whatever order the devices come in.
                if first.is_none_or(|best| (m, d.kind) < best) {
                    first = Some((m, d.kind));
                }
            }
            Err(gap) => {
                if !missing.contains(&gap) {
                    missing.push(gap);
                }
            }
        }
    }
    let portable = if sources.portable_wh == 0 {
        0
    } else {
        // Average load in watt-minutes per hour, then minutes the station covers.
        let mut load_per_hour: u64 = 0;
        for d in devices {
            match d.watts {
                Some(w) => load_per_hour += u64::from(w) * u64::from(d.duty.minutes_per_hour()),
                None => {
                    let gap = Missing::PowerDraw(d.kind);
                    if !missing.contains(&gap) {
                        missing.push(gap);
                    }
                }
            }
        }
        // Wh × efficiency × 60 (min/h) / (W averaged over the hour) = minutes.
        (u64::from(sources.portable_wh) * PORTABLE_EFFICIENCY_PERCENT * 60 * 60 / 100)
            .checked_div(load_per_hour)
            .unwrap_or(0)
    };
    if !missing.is_empty() {
        missing.sort_unstable();
        return Estimate::Unknown { missing };
    }
    match first {
        Some((own, limiting)) => Estimate::Known {
            minutes: u32::try_from(own.saturating_add(portable)).unwrap_or(u32::MAX),
            limiting,
        },
        None => Estimate::NotDependent,
    }
}

/// The electric device a medical care item (medical_care_items.csv) implies, if any: a child
/// with such an item and no power details is "unknown — call first" on every outage list.
/// An item maps to a device only when the care cannot go on without mains or battery power.
pub fn care_device(code: &str) -> Option<DeviceKind> {
    match code {
        // NPPV, high-flow therapy, cough assist and chest-wall oscillation are all electric.
        "ventilator" => Some(DeviceKind::Ventilator),
        // Home oxygen is a concentrator; a family on cylinders alone says so by entering its
        // power details (cylinder hours), which clears the flag.
        "oxygen" => Some(DeviceKind::OxygenConcentrator),
        // Oral, nasal and tracheal suction needs an electric aspirator (manual pumps are the
        // outage fallback, not the daily device).
        "suction" => Some(DeviceKind::Suction),
        // Medication inhalation at home runs on a compressor or mesh nebulizer.
        "nebulizer" => Some(DeviceKind::Nebulizer),
        // The pump is listed as its own item; tube feeding alone can run by gravity.
        "feeding_pump" => Some(DeviceKind::FeedingPump),
        // Parenteral nutrition and continuous drugs through a central line run on an
        // infusion pump with a battery.
        "central_venous_catheter" => Some(DeviceKind::InfusionPump),
        // A continuous subcutaneous infusion is a battery syringe pump.
        "subcutaneous_pump" => Some(DeviceKind::InfusionPump),
        // Peritoneal dialysis at home is usually done overnight by a cycler (APD).
        "dialysis" => Some(DeviceKind::DialysisCycler),
        // Tracheostomy and nasopharyngeal airway (the suction they need is its own item),
        // tube feeding without a pump, injections, glucose meters (own batteries),
        // catheterisation, bowel care and seizure care need no mains power by themselves.
        _ => None,
    }
}

/// The medical care codes (medical_care_items.csv) for which [`care_device`] names a device.
pub fn power_care_codes() -> Vec<&'static str> {
    crate::vocab::entries(crate::vocab::VocabKind::MedicalCareItem)
        .iter()
        .map(|e| e.code.as_str())
        .filter(|c| care_device(c).is_some())
        .collect()
}

/// The outage estimate for a child, with what the registry says about their care: devices
/// that do not use electricity are left out, and a child whose care implies an electric
/// device ([`care_device`]) but who has no electric device and no power details entered is
/// [`Missing::NoPowerData`] — unknown, called first — never "no power needed".
pub fn assess(
    devices: &[DeviceDraft],
    sources: &PowerSources,
    has_power_details: bool,
    care_codes: &[&str],
) -> Estimate {
    let electric: Vec<PowerDevice> = devices
        .iter()
        .filter(|d| d.uses_electricity)
        .map(|d| d.device.clone())
        .collect();
    if electric.is_empty()
        && !has_power_details
        && care_codes.iter().any(|c| care_device(c).is_some())
    {
        return Estimate::Unknown {
            missing: vec![Missing::NoPowerData],
        };
    }
    estimate(&electric, sources)
}

/// Minutes as 「3時間20分」 / "3 h 20 min".
pub fn format_minutes(minutes: u32, lang: Lang) -> String {
    let (h, m) = (minutes / 60, minutes % 60);
    match (h, lang) {
        (0, Lang::Ja) => format!("{m}分"),
        (0, Lang::En) => format!("{m} min"),
        (_, Lang::Ja) => format!("{h}時間{m}分"),
        (_, Lang::En) => format!("{h} h {m} min"),
    }
}

/// A device kind, or empty (read the kind from the name).
pub fn device_kind_schema() -> utoipa::openapi::schema::ObjectBuilder {
    crate::openapi::one_of(
        std::iter::once("").chain(
            crate::power::DeviceKind::all()
                .into_iter()
                .map(|k| k.code()),
        ),
    )
}

#[cfg(test)]
mod tests;
