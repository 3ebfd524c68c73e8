from lbsample.replica_name import from_container_name


def test_a_scaled_compose_container_is_named_for_its_service_and_number():
    assert from_container_name("lb-lab-py-3.lb-lab_backend") == "py3"
    assert from_container_name("lb-lab-app-12.lb-lab_backend") == "app12"
    assert from_container_name("shop-py-1") == "py1"


def test_an_address_compose_did_not_name_gives_no_replica_name():
    assert from_container_name("f648cb85c95d") is None
    assert from_container_name("localhost") is None
