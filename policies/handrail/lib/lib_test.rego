package handrail.lib_test

import rego.v1

import data.handrail.lib

test_timestamp_with_offset if {
	lib.timestamp_ns("2026-11-24T12:00:00+00:00") == 1795521600000000000
}

test_timestamp_with_z_suffix if {
	lib.timestamp_ns("2026-11-24T12:00:00Z") == lib.timestamp_ns("2026-11-24T12:00:00+00:00")
}

test_timestamp_with_fraction if {
	lib.timestamp_ns("2026-11-24T12:00:00.5+00:00") == 1795521600500000000
}

test_not_a_timestamp_is_undefined if {
	not lib.timestamp_ns("next Tuesday")
	not lib.timestamp_ns(42)
}

test_day if {
	lib.day("2027-02-28T23:59:59+00:00") == "2027-02-28"
}

test_readable_list if {
	lib.readable_list(["names"]) == "names"
	lib.readable_list(["names", "postcodes"]) == "names and postcodes"
	lib.readable_list(["names", "phone numbers", "postcodes"]) == "names, phone numbers and postcodes"
	not lib.readable_list([])
}

test_quoted if {
	lib.quoted("demo") == "'demo'"
}

test_readable_list_of_a_sorted_set if {
	lib.readable_list(sort({"image", "audio"})) == "audio and image"
}
