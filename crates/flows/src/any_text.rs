//! `spillnet_any_text(x)`: one non-null value of a text column per group,
//! the one seen first — the in-process plan's way to keep the `person_id` of
//! a triple that has a single row (for which "one value" is "the value").
//!
//! DataFusion's own candidates cost more: `max` compares and copies strings
//! on every row (≈ 0.3–0.5 s of a 1.9 s aggregation of 10^7 rows, measured
//! with Python DataFusion 55 on the benchmark file), and `any_value` /
//! `first_value` have no grouped accumulator for text (`any_value`: 5.6 s).
//! This one looks at a row only while its group is still empty and copies
//! one value per group into an arena. A cluster's stock executors do not
//! know the function, so the plan on a cluster uses `max` instead (same
//! answer for a single-row group). Imports nothing from the crate.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, BooleanArray, StringViewArray, StringViewBuilder};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::ScalarValue;
use datafusion::error::Result;
use datafusion::logical_expr::function::AccumulatorArgs;
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, EmitTo, GroupsAccumulator, Signature, Volatility,
    utils::AggregateOrderSensitivity,
};

/// The function's name in a session.
pub(crate) const NAME: &str = "spillnet_any_text";

/// The aggregate function (register it with `SessionContext::register_udaf`).
pub(crate) fn udaf() -> AggregateUDF {
    AggregateUDF::from(AnyText { signature: Signature::exact(vec![DataType::Utf8View], Volatility::Immutable) })
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct AnyText {
    signature: Signature,
}

impl AggregateUDFImpl for AnyText {
    fn name(&self) -> &str {
        NAME
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8View)
    }

    fn accumulator(&self, _: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(One(None)))
    }

    fn groups_accumulator_supported(&self, _: AccumulatorArgs) -> bool {
        true
    }

    fn create_groups_accumulator(&self, _: AccumulatorArgs) -> Result<Box<dyn GroupsAccumulator>> {
        Ok(Box::new(Groups::default()))
    }

    fn order_sensitivity(&self) -> AggregateOrderSensitivity {
        AggregateOrderSensitivity::Insensitive
    }
}

/// The value of one group (aggregation without GROUP BY).
#[derive(Debug)]
struct One(Option<String>);

impl Accumulator for One {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        if self.0.is_none() {
            let a = values[0].as_string_view();
            self.0 = a.iter().flatten().next().map(str::to_owned);
        }
        Ok(())
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        Ok(ScalarValue::Utf8View(self.0.clone()))
    }

    fn size(&self) -> usize {
        size_of::<Self>() + self.0.as_ref().map_or(0, String::capacity)
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        Ok(vec![self.evaluate()?])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        self.update_batch(states)
    }
}

/// Marks a group without a value in [`Groups::ends`].
const EMPTY: usize = usize::MAX;

/// The values of all groups: group `g`'s value is `bytes[starts[g]..ends[g]]`,
/// or none when `ends[g] == EMPTY`.
#[derive(Debug, Default)]
struct Groups {
    bytes: Vec<u8>,
    starts: Vec<usize>,
    ends: Vec<usize>,
}

impl Groups {
    /// Give every still-empty group of `group_indices` the row's value
    /// (rows where `filter` is false, or the value null, are skipped).
    fn take(&mut self, values: &ArrayRef, group_indices: &[usize], filter: Option<&BooleanArray>, groups: usize) {
        self.starts.resize(groups, 0);
        self.ends.resize(groups, EMPTY);
        let a = values.as_string_view();
        for (row, &g) in group_indices.iter().enumerate() {
            if self.ends[g] != EMPTY || a.is_null(row) || filter.is_some_and(|f| !f.value(row) || f.is_null(row)) {
                continue;
            }
            self.starts[g] = self.bytes.len();
            self.bytes.extend_from_slice(a.value(row).as_bytes());
            self.ends[g] = self.bytes.len();
        }
    }

    /// The values of the groups `emit_to` names, which leave the state (the
    /// remaining groups are renumbered from 0 and their bytes compacted).
    fn emit(&mut self, emit_to: EmitTo) -> ArrayRef {
        let n = match emit_to {
            EmitTo::All => self.ends.len(),
            EmitTo::First(n) => n,
        };
        let mut out = StringViewBuilder::with_capacity(n);
        for g in 0..n {
            if self.ends[g] == EMPTY {
                out.append_null();
            } else {
                // Only whole `&str` values were copied in, so the bytes are UTF-8.
                let s = std::str::from_utf8(&self.bytes[self.starts[g]..self.ends[g]])
                    .unwrap_or_else(|_| unreachable!("copied from a string array"));
                out.append_value(s);
            }
        }
        let rest = Groups::default();
        let old = std::mem::replace(self, rest);
        for g in n..old.ends.len() {
            if old.ends[g] == EMPTY {
                self.starts.push(0);
                self.ends.push(EMPTY);
            } else {
                self.starts.push(self.bytes.len());
                self.bytes.extend_from_slice(&old.bytes[old.starts[g]..old.ends[g]]);
                self.ends.push(self.bytes.len());
            }
        }
        Arc::new(out.finish())
    }
}

impl GroupsAccumulator for Groups {
    fn update_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        opt_filter: Option<&BooleanArray>,
        total_num_groups: usize,
    ) -> Result<()> {
        self.take(&values[0], group_indices, opt_filter, total_num_groups);
        Ok(())
    }

    fn evaluate(&mut self, emit_to: EmitTo) -> Result<ArrayRef> {
        Ok(self.emit(emit_to))
    }

    fn state(&mut self, emit_to: EmitTo) -> Result<Vec<ArrayRef>> {
        Ok(vec![self.emit(emit_to)])
    }

    fn merge_batch(&mut self, values: &[ArrayRef], group_indices: &[usize], total_num_groups: usize) -> Result<()> {
        self.take(&values[0], group_indices, None, total_num_groups);
        Ok(())
    }

    fn convert_to_state(&self, values: &[ArrayRef], opt_filter: Option<&BooleanArray>) -> Result<Vec<ArrayRef>> {
        let Some(f) = opt_filter else { return Ok(vec![Arc::clone(&values[0])]) };
        let a = values[0].as_string_view();
        let kept: StringViewArray =
            (0..a.len()).map(|i| (f.is_valid(i) && f.value(i) && a.is_valid(i)).then(|| a.value(i))).collect();
        Ok(vec![Arc::new(kept)])
    }

    fn size(&self) -> usize {
        self.bytes.capacity() + (self.starts.capacity() + self.ends.capacity()) * size_of::<usize>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(v: &[Option<&str>]) -> ArrayRef {
        Arc::new(v.iter().copied().collect::<StringViewArray>())
    }

    fn strings(a: &ArrayRef) -> Vec<Option<String>> {
        a.as_string_view().iter().map(|s| s.map(str::to_owned)).collect()
    }

    fn some(v: &[Option<&str>]) -> Vec<Option<String>> {
        v.iter().map(|s| s.map(str::to_owned)).collect()
    }

    #[test]
    fn first_non_null_value_per_group_across_batches_and_partial_emits() {
        let mut g = Groups::default();
        // Groups 0..4; group 1 sees only nulls, group 3 is filtered out.
        let filter = BooleanArray::from(vec![true, true, true, false, true]);
        g.update_batch(&[view(&[None, None, Some("a"), Some("x"), Some("b")])], &[0, 1, 0, 3, 2], Some(&filter), 4)
            .unwrap();
        g.update_batch(&[view(&[Some("c"), Some("d"), Some("e")])], &[0, 2, 4], None, 5).unwrap();
        assert_eq!(strings(&g.evaluate(EmitTo::First(2)).unwrap()), some(&[Some("a"), None]));
        // Old groups 2, 3, 4 are now 0, 1, 2; group 1 (was 3) takes its first value now.
        g.merge_batch(&[view(&[Some("y"), Some("z")])], &[1, 0], 3).unwrap();
        assert_eq!(strings(&g.state(EmitTo::All).unwrap()[0]), some(&[Some("b"), Some("y"), Some("e")]));
        assert_eq!(g.ends.len(), 0);
        let kept = g.convert_to_state(&[view(&[Some("p"), Some("q")])], Some(&BooleanArray::from(vec![false, true])));
        assert_eq!(strings(&kept.unwrap()[0]), some(&[None, Some("q")]));
    }

    #[test]
    fn one_group() {
        let mut one = One(None);
        one.update_batch(&[view(&[None, Some("p"), Some("q")])]).unwrap();
        one.merge_batch(&[view(&[Some("r")])]).unwrap();
        assert_eq!(one.evaluate().unwrap(), ScalarValue::Utf8View(Some("p".into())));
    }
}
