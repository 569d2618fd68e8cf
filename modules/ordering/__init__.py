"""Raw-material ordering: stock, forecast, supplier orders and follow-up."""
