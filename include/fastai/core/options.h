#pragma once
/// Field lists for options structs: a list macro `X(type, name, default)` written once can be
/// expanded into several structs (LearnerOptions and every application learner's options, the
/// fit methods' options, the affine batch transforms' resampling arguments), so a shared
/// keyword argument has one declaration and designated initializers stay flat (C++ cannot
/// designate a base class's members, so a shared base would force `{.base = {…}}`).
///
/// Example:
///   #define MY_SHARED(X) X(double, p, 0.5) X(bool, nearest, false)
///   struct RotateLike { double max_deg = 10; MY_SHARED(FASTAI_DECLARE_OPTION) };
///   RotateLike r{.max_deg = 20, .p = 1.0};
///
/// Thread-safety: Macros only.

/// Declares one listed option as a member with its default.
/// Example: `FASTAI_LEARNER_OPTIONS(FASTAI_DECLARE_OPTION)`
#define FASTAI_DECLARE_OPTION(type, name, def) type name = def;
/// Copies one listed option from `from` to `to` (both in scope).
/// Example: `FitOptions to; FASTAI_FIT_OPTIONS(FASTAI_COPY_OPTION)  // in fit_options`
#define FASTAI_COPY_OPTION(type, name, def) to.name = from.name;
