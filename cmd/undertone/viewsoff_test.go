package main

import (
	"slices"
	"testing"

	"github.com/undertone/undertone/config"
	"github.com/undertone/undertone/store"
)

// TestViewsOff maps store.drivers_by_dimension and drivers_by_combination
// to the optional views migrate drops.
func TestViewsOff(t *testing.T) {
	for _, tc := range []struct {
		dims, combo bool
		want        []string
	}{
		{true, true, nil},
		{true, false, []string{"q_driver_combo_mv"}},
		{false, true, []string{"q_driver_dims_mv", "q_driver_combo_mv"}},
		{false, false, []string{"q_driver_dims_mv", "q_driver_combo_mv"}},
	} {
		cfg := config.Default()
		cfg.Store.DriversByDimension, cfg.Store.DriversByCombination = tc.dims, tc.combo
		got := viewsOff(cfg)
		if !slices.Equal(got, tc.want) {
			t.Errorf("dimension %v, combination %v: views off %v, want %v", tc.dims, tc.combo, got, tc.want)
		}
		for _, v := range got {
			if !slices.Contains(store.OptionalViews, v) {
				t.Errorf("%s is not one of store.OptionalViews %v", v, store.OptionalViews)
			}
		}
	}
}
