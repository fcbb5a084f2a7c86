//! The planner: a pure function from listings, state and decisions to a
//! plan.
