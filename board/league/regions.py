"""A racer's region from their country (ISO 3166-1 alpha-2), for regional standings.

Regions follow the league's usual split: North America (NA), Latin America (LATAM),
Europe / Middle East / Africa (EMEA) and Asia Pacific (APAC). A racer's own `region` field,
when staff set it, wins over this table.
"""

from __future__ import annotations

from typing import Final

_REGIONS: Final[dict[str, str]] = {
    "NA": "US CA PR UM VI GU AS MP BM",
    "LATAM": (
        "MX GT BZ SV HN NI CR PA CU DO HT JM BS BB TT AG DM GD KN LC VC AR BO BR CL CO EC GY "
        "PY PE SR UY VE AW CW SX BQ KY TC VG AI MS GP MQ GF BL MF"
    ),
    "EMEA": (
        "GB IE FR DE NL BE LU CH AT IT ES PT DK NO SE FI IS EE LV LT PL CZ SK HU SI HR BA RS ME "
        "MK AL GR BG RO MD UA BY RU TR CY MT LI MC SM VA AD GI FO GL IM JE GG AX XK GE AM AZ "
        "IL PS JO LB SY IQ IR SA AE QA BH KW OM YE EG LY TN DZ MA EH MR ML NE TD SD SS ER DJ ET "
        "SO KE UG RW BI TZ MZ MW ZM ZW BW NA ZA LS SZ AO CD CG GA GQ CM CF NG BJ TG GH CI LR SL "
        "GN GW SN GM CV ST MG MU SC KM RE YT SH KZ UZ TM KG TJ"
    ),
    "APAC": (
        "CN HK MO TW JP KR KP MN IN PK BD LK NP BT MV AF SG MY ID TH VN PH KH LA MM BN TL AU NZ "
        "PG FJ SB VU NC PF WS TO KI TV NR PW FM MH CK NU"
    ),
}
REGION_OF_COUNTRY: Final[dict[str, str]] = {
    code: region for region, codes in _REGIONS.items() for code in codes.split()
}
REGIONS: Final = tuple(_REGIONS)


def region_of(country: str, region: str = "") -> str:
    """The racer's region: their own `region` if set, else from `country`; "" if unknown."""
    if region:
        return region
    return REGION_OF_COUNTRY.get(country.strip().upper(), "")
