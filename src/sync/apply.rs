//! Feeding the results of applied operations back into the state.
