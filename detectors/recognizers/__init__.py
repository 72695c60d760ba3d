"""Handrail's recognizers: one module per kind of identifier, each in Presidio's style.

These replace Presidio's predefined recognizers, which are US-centric (US
driving licences, SSNs, bank numbers) and report types the policy does not use
(DATE_TIME, URL, NRP, LOCATION) — noise that made clean prompts look sensitive.
"""

from __future__ import annotations

from presidio_analyzer import EntityRecognizer

from detectors.recognizers.credential import AssignedSecretRecognizer, HighEntropySecretRecognizer, KnownTokenRecognizer
from detectors.recognizers.credit_card import CreditCardNumberRecognizer
from detectors.recognizers.date_of_birth import DateOfBirthRecognizer
from detectors.recognizers.email_address import EmailAddressRecognizer
from detectors.recognizers.iban_code import IbanCodeRecognizer
from detectors.recognizers.ip_address import IpAddressRecognizer
from detectors.recognizers.person import PersonRecognizer
from detectors.recognizers.phone_number import PhoneNumberRecognizer
from detectors.recognizers.security_marking import SecurityMarkingRecognizer
from detectors.recognizers.uk_bank_account import UkBankAccountRecognizer
from detectors.recognizers.uk_driving_licence import DrivingLicenceNumberRecognizer
from detectors.recognizers.uk_nhs import UkNhsRecognizer
from detectors.recognizers.uk_nino import NationalInsuranceNumberRecognizer
from detectors.recognizers.uk_passport import PassportNumberRecognizer
from detectors.recognizers.uk_postcode import PostcodeRecognizer
from detectors.recognizers.uk_sort_code import UkSortCodeRecognizer


def handrail_recognizers() -> list[EntityRecognizer]:
    """A fresh instance of every recognizer."""
    return [
        PersonRecognizer(),
        EmailAddressRecognizer(),
        PhoneNumberRecognizer(),
        NationalInsuranceNumberRecognizer(),
        UkNhsRecognizer(),
        PostcodeRecognizer(),
        PassportNumberRecognizer(),
        DrivingLicenceNumberRecognizer(),
        UkSortCodeRecognizer(),
        UkBankAccountRecognizer(),
        IbanCodeRecognizer(),
        CreditCardNumberRecognizer(),
        IpAddressRecognizer(),
        DateOfBirthRecognizer(),
        SecurityMarkingRecognizer(),
        KnownTokenRecognizer(),
        AssignedSecretRecognizer(),
        HighEntropySecretRecognizer(),
    ]
