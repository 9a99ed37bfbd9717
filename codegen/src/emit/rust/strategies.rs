//! proptest strategies: `Arbitrary` for every struct, built field by field from the
//! definitions (behind [`RustOptions::proptest`](super::RustOptions::proptest)).

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::{ident, Emitter};
use crate::model::{Field, Scalar, TypeRef, UNLISTED_FIELD};

impl Emitter<'_> {
    /// A proptest strategy for one value of `ty` (behind the `proptest` feature): `any::<T>()`
    /// except where JSON cannot hold every Rust value (non-finite floats) or the type has no
    /// `Arbitrary` (`serde_json::Value`), and short arrays so nested records stay small.
    pub(super) fn strategy(&self, ty: &TypeRef) -> TokenStream {
        let rt = &self.rt;
        match ty {
            TypeRef::Scalar(Scalar::F64) => quote! { #rt::__private::finite_f64() },
            TypeRef::Scalar(Scalar::Json) => quote! { #rt::__private::json_value() },
            TypeRef::Array(element) => {
                let element = self.strategy(element);
                quote! { #rt::__private::proptest::collection::vec(#element, 0..3) }
            }
            TypeRef::Map(value) => {
                let value = self.strategy(value);
                quote! { #rt::__private::object_map(#value) }
            }
            _ => {
                let base = self.base_type(ty);
                quote! { #rt::__private::proptest::arbitrary::any::<#base>() }
            }
        }
    }

    /// The strategy of a struct field: its value strategy, in `option::of` for each way the
    /// field may be `None` (absent when `optional`, null when `nullable`).
    pub(super) fn field_strategy(&self, field: &Field, optional: bool) -> TokenStream {
        let rt = &self.rt;
        let mut strategy = self.strategy(&field.ty);
        if field.nullable {
            strategy = quote! { #rt::__private::proptest::option::of(#strategy) };
        }
        if optional {
            strategy = quote! { #rt::__private::proptest::option::of(#strategy) };
        }
        strategy
    }

    /// `impl Arbitrary` for a struct whose fields are built by `field_strategy` (fields may be
    /// more than proptest's 12-tuple limit, so they are grouped in nested tuples of ten). A
    /// client-tier struct also draws a few keys its definition does not list (`unlisted`: the
    /// keys it must not use).
    pub(super) fn arbitrary_struct(
        &self,
        name: &Ident,
        fields: &[Field],
        all_optional: bool,
        unlisted: &Option<Vec<String>>,
    ) -> Option<TokenStream> {
        let rt = &self.rt;
        if !self.options.proptest {
            return None;
        }
        let chunks: Vec<&[Field]> = fields.chunks(10).collect();
        let mut strategies: Vec<TokenStream> = chunks
            .iter()
            .map(|chunk| {
                tuple(
                    chunk
                        .iter()
                        .map(|field| self.field_strategy(field, all_optional || field.optional)),
                )
            })
            .collect();
        let mut patterns: Vec<TokenStream> = chunks
            .iter()
            .map(|chunk| {
                tuple(chunk.iter().map(|field| {
                    let name = ident(&field.rust_name);
                    quote! { #name }
                }))
            })
            .collect();
        let mut names: Vec<Ident> = fields.iter().map(|field| ident(&field.rust_name)).collect();
        if let Some(reserved) = unlisted {
            let unlisted = ident(UNLISTED_FIELD);
            strategies.push(quote! { #rt::__private::unlisted_keys(&[#(#reserved),*]) });
            patterns.push(quote! { #unlisted });
            names.push(unlisted);
        }
        let strategy = if strategies.is_empty() {
            quote! { #rt::__private::proptest::strategy::Just(Self {}) }
        } else {
            let strategies = tuple(strategies.into_iter());
            let patterns = tuple(patterns.into_iter());
            quote! {
                #rt::__private::proptest::strategy::Strategy::prop_map(
                    #strategies,
                    |#patterns| Self { #(#names),* }
                )
            }
        };
        self.arbitrary_impl(name, strategy)
    }

    /// `impl Arbitrary` for `name`, drawing from `strategy` (boxed); nothing without the
    /// `proptest` option. Every generated type's strategy goes through here.
    pub(super) fn arbitrary_impl(
        &self,
        name: &Ident,
        strategy: TokenStream,
    ) -> Option<TokenStream> {
        let rt = &self.rt;
        self.options.proptest.then(|| {
            quote! {
                impl #rt::__private::proptest::arbitrary::Arbitrary for #name {
                    type Parameters = ();
                    type Strategy = #rt::__private::proptest::strategy::BoxedStrategy<Self>;
                    fn arbitrary_with(_: ()) -> Self::Strategy {
                        #rt::__private::proptest::strategy::Strategy::boxed(#strategy)
                    }
                }
            }
        })
    }
}

/// A tuple of `items` (expressions or patterns): `(a, b)`, and `(a,)` for a single item, whose
/// comma is what makes it a tuple.
fn tuple(items: impl Iterator<Item = TokenStream>) -> TokenStream {
    let items: Vec<TokenStream> = items.collect();
    match items.as_slice() {
        [item] => quote! { (#item,) },
        _ => quote! { (#(#items),*) },
    }
}
