//! Raw serde types mirroring each input format exactly as its producer writes it. They
//! borrow from the file's bytes (strings as `Cow`, policy documents as unparsed
//! `RawValue` slices) so the outer structure of a large export is read in one pass
//! without copying, and are owned by ingest only: the readers convert them into
//! validated [`model`](crate::model) values, and nothing else sees them.

pub(crate) mod auth_details;
pub(crate) mod aws_cli;
pub(crate) mod cloudformation;
pub(crate) mod identity_center;
pub(crate) mod organizations;
pub(crate) mod provisioner;
pub(crate) mod scp;
pub(crate) mod terraform;

use serde::Deserialize;
use serde::de::value::MapAccessDeserializer;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use std::fmt;
use std::marker::PhantomData;

/// A policy document kept as its raw JSON text (object or string), parsed later, in
/// parallel, and only once per distinct text. Compared by text.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(transparent)]
pub(crate) struct RawDoc<'a>(#[serde(borrow)] pub &'a RawValue);

impl RawDoc<'_> {
    pub fn text(&self) -> &str {
        self.0.get()
    }
}

impl PartialEq for RawDoc<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.0.get() == other.0.get()
    }
}

/// A list that AWS sometimes writes as a lone object (the documented example of
/// `get-account-authorization-details` has a group whose `AttachedManagedPolicies` is an
/// object); `null` is an empty list.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct OneOrList<T>(pub Vec<T>);

impl<T> Default for OneOrList<T> {
    fn default() -> Self {
        OneOrList(Vec::new())
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for OneOrList<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = OneOrList<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of objects (or one object)")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0));
                while let Some(x) = seq.next_element()? {
                    out.push(x);
                }
                Ok(OneOrList(out))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                Ok(OneOrList(vec![T::deserialize(
                    MapAccessDeserializer::new(map),
                )?]))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(OneOrList(Vec::new()))
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// A list where `null` means empty (`"Tags": null` in some hand-made exports).
pub(crate) fn null_as_empty<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}
