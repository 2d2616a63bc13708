//! A child's power sources, a portable power unit the center hands out, and its return.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::messages::{self, disaster as msg};
use crate::power::{parse_devices, DeviceDraft, DeviceInput, MAX_PORTABLE_WH};
use crate::{FieldError, ValidationErrors};

/// The most oxygen-cylinder hours a household can record.
const MAX_OXYGEN_HOURS: u32 = 720;
/// The largest unit the center hands out, Wh.
const MAX_UNIT_WH: u32 = 10_000;

/// A whole number in `0..=max`; empty is 0 (see [`crate::text::whole_number`]).
fn small(field: &str, raw: &str, max: u32, what: messages::Label) -> Result<u32, FieldError> {
    crate::text::whole_number(field, raw, max, what.ja, what.en).map(|n| n.unwrap_or(0))
}

/// The power form / API body.
#[derive(utoipa::ToSchema, Clone, Debug, Default, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct PowerInput {
    /// Devices (empty rows are ignored).
    #[schema(max_items = 20)]
    pub devices: Vec<DeviceInput>,
    /// Own portable power stations, Wh.
    #[schema(pattern = "^[0-9]{0,4}$")]
    pub portable_wh: String,
    /// Car inverter.
    pub car_inverter: bool,
    /// Generator.
    pub generator: bool,
    /// Oxygen cylinders, hours in total.
    #[schema(pattern = "^([0-9]{1,2}|[1-6][0-9]{2}|7[01][0-9]|720)?$")]
    pub oxygen_cylinder_hours: String,
    /// Notes.
    pub notes: String,
}

/// A child's devices and sources as parsed: built only by [`PowerInput::parse`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct PowerDraft {
    /// The devices (empty rows dropped).
    pub devices: Vec<DeviceDraft>,
    /// Own portable power stations, Wh (0..=[`MAX_PORTABLE_WH`]).
    pub portable_wh: u32,
    /// Car inverter.
    pub car_inverter: bool,
    /// Generator.
    pub generator: bool,
    /// Oxygen cylinders, hours in total (0..=720).
    pub oxygen_cylinder_hours: u32,
    /// Notes.
    pub notes: Option<String>,
}

impl PowerInput {
    /// Every field, all errors at once; device errors name `devices.N.field`.
    pub fn parse(&self) -> Result<PowerDraft, ValidationErrors> {
        let mut errs = ValidationErrors::new();
        let devices = parse_devices(&self.devices, &mut errs);
        let portable = errs.check(small(
            "portable_wh",
            &self.portable_wh,
            MAX_PORTABLE_WH,
            msg::PORTABLE_WH,
        ));
        let oxygen = errs.check(small(
            "oxygen_cylinder_hours",
            &self.oxygen_cylinder_hours,
            MAX_OXYGEN_HOURS,
            msg::OXYGEN_CYLINDER_HOURS,
        ));
        let notes = errs.check(crate::text::optional_text("notes", &self.notes, 2000));
        errs.into_result()?;
        let (Some(portable_wh), Some(oxygen_cylinder_hours), Some(notes)) =
            (portable, oxygen, notes)
        else {
            return Err(FieldError::required("portable_wh").into());
        };
        Ok(PowerDraft {
            devices,
            portable_wh,
            car_inverter: self.car_inverter,
            generator: self.generator,
            oxygen_cylinder_hours,
            notes,
        })
    }
}

/// A handed-out unit as typed.
#[derive(utoipa::ToSchema, Clone, Debug, Default, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct PowerUnitInput {
    /// YYYY-MM-DD.
    /// YYYY-MM-DD, not in the future
    #[schema(format = Date, required = true)]
    pub handed_on: String,
    /// 機種.
    #[schema(
        min_length = 1,
        pattern = "^[^\\x00-\\x1f\\x7f-\\x9f\\u202a-\\u202e\\u2066-\\u2069]*[^\\s\\x00-\\x1f\\x7f-\\x9f\\u202a-\\u202e\\u2066-\\u2069][^\\x00-\\x1f\\x7f-\\x9f\\u202a-\\u202e\\u2066-\\u2069]*$",
        required = true
    )]
    pub model: String,
    /// Wh.
    /// Wh, a whole number
    #[schema(pattern = "^([1-9][0-9]{0,3}|10000)$", required = true)]
    pub capacity_wh: String,
    /// 製造番号.
    pub serial: String,
}

/// A handed-out unit as parsed: built only by [`PowerUnitInput::parse`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct PowerUnitDraft {
    /// 貸与日 (not after today).
    pub handed_on: NaiveDate,
    /// 機種.
    pub model: String,
    /// Wh (1..=10000).
    pub capacity_wh: u32,
    /// 製造番号.
    pub serial: Option<String>,
}

impl PowerUnitInput {
    /// Every field, all errors at once; `today` is the limit for the hand-out date.
    pub fn parse(&self, today: NaiveDate) -> Result<PowerUnitDraft, ValidationErrors> {
        let mut errs = ValidationErrors::new();
        let handed_on = errs.check(crate::dates::parse_past_date(
            "handed_on",
            &self.handed_on,
            today,
        ));
        let model = errs.check(crate::text::required_line("model", &self.model, 100));
        let wh = errs.check(small(
            "capacity_wh",
            &self.capacity_wh,
            MAX_UNIT_WH,
            msg::CAPACITY_WH,
        ));
        if wh == Some(0) {
            errs.push(FieldError::required("capacity_wh"));
        }
        let serial = errs.check(crate::text::optional_line("serial", &self.serial, 100));
        errs.into_result()?;
        let (Some(handed_on), Some(model), Some(capacity_wh), Some(serial)) =
            (handed_on, model, wh, serial)
        else {
            return Err(FieldError::required("model").into());
        };
        Ok(PowerUnitDraft {
            handed_on,
            model,
            capacity_wh,
            serial,
        })
    }
}

/// A unit's return as typed.
#[derive(utoipa::ToSchema, Clone, Debug, Default, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct UnitReturnInput {
    /// 返却日, YYYY-MM-DD.
    /// 返却日, YYYY-MM-DD, not in the future
    #[schema(format = Date, required = true)]
    pub returned_on: String,
}

/// A unit's return as parsed: built only by [`UnitReturnInput::parse`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct UnitReturnDraft {
    /// 返却日 (not after today).
    pub returned_on: NaiveDate,
}

impl UnitReturnInput {
    /// The return date, not after `today`. Whether it is on or after the unit's hand-out date
    /// only the record knows: see [`UnitReturnDraft::check_handed_on`].
    pub fn parse(&self, today: NaiveDate) -> Result<UnitReturnDraft, ValidationErrors> {
        let returned_on = crate::dates::parse_past_date("returned_on", &self.returned_on, today)?;
        Ok(UnitReturnDraft { returned_on })
    }
}

impl UnitReturnDraft {
    /// The rule the store applies with the unit's recorded hand-out date: a unit cannot come
    /// back before it went out.
    pub fn check_handed_on(&self, handed_on: NaiveDate) -> Result<(), FieldError> {
        if self.returned_on < handed_on {
            Err(msg::returned_before_handed_on())
        } else {
            Ok(())
        }
    }
}
