"""Demo product list of one province (make run, benchmarks): what key accounts subscribe to.

Names and prices are data (Chinese, as the carrier publishes them), not user-facing text
of the application. Prices are plausible monthly list prices in yuan; customer demo data
(``province.customers.demo``) scales fees from them, so they also shape the revenue mix.
"""

from decimal import Decimal

from django.db import transaction

from province.products.choices import ProductCategory, ProductStatus
from province.products.models import Product

# code, name, category, monthly list price, national product
DEMO_PRODUCTS: tuple[tuple[str, str, str, str, bool], ...] = (
    ("5G-GQ-199", "5G 政企套餐 199 元", ProductCategory.MOBILE, "199.00", True),
    ("5G-GQ-299", "5G 政企套餐 299 元", ProductCategory.MOBILE, "299.00", True),
    ("5G-GQ-599", "5G 政企尊享套餐 599 元", ProductCategory.MOBILE, "599.00", True),
    ("BB-100M", "企业宽带 100M", ProductCategory.BROADBAND, "300.00", False),
    ("BB-500M", "企业宽带 500M", ProductCategory.BROADBAND, "800.00", False),
    ("BB-1000M", "企业宽带 1000M", ProductCategory.BROADBAND, "1500.00", False),
    ("DIA-100M", "互联网专线 100M", ProductCategory.LEASED_LINE, "3000.00", True),
    ("DIA-1000M", "互联网专线 1000M", ProductCategory.LEASED_LINE, "15000.00", True),
    ("MSTP-10M", "数据专线 MSTP 10M", ProductCategory.LEASED_LINE, "2500.00", False),
    ("SDH-155M", "数据专线 SDH 155M", ProductCategory.LEASED_LINE, "8000.00", False),
    ("FIX-LINE", "固定电话", ProductCategory.VOICE, "30.00", False),
    ("TRUNK-30", "数字中继线（30 路）", ProductCategory.VOICE, "1200.00", False),
    ("ECS-4C8G", "云主机 4 核 8G", ProductCategory.CLOUD, "450.00", True),
    ("IDC-42U", "IDC 机柜 42U", ProductCategory.CLOUD, "6000.00", False),
    ("GOV-CLOUD", "政务云资源包", ProductCategory.CLOUD, "20000.00", False),
    ("IOT-NB", "物联网卡 NB-IoT", ProductCategory.IOT, "5.00", True),
    ("IOT-CAT1", "物联网卡 Cat.1", ProductCategory.IOT, "10.00", True),
    ("VIDEO-CAM", "视频监控（每路）", ProductCategory.ICT, "30.00", False),
    ("SD-WAN", "SD-WAN 组网（每站点）", ProductCategory.ICT, "1500.00", True),
    ("ICT-PROJ", "信息化集成服务", ProductCategory.ICT, "10000.00", False),
    ("CLOUD-PBX", "云总机", ProductCategory.VALUE_ADDED, "300.00", False),
    ("SMS-ENT", "企业短信", ProductCategory.VALUE_ADDED, "200.00", False),
)


@transaction.atomic
def seed_products() -> int:
    """Create the demo product list unless the province has products; return rows added.

    Rows are saved one by one (22 of them) so each gets its history record like any
    product entered by hand.
    """
    if Product.objects.exists():
        return 0
    for code, name, category, price, national in DEMO_PRODUCTS:
        Product.objects.create(
            code=code,
            name=name,
            category=category,
            monthly_price=Decimal(price),
            status=ProductStatus.LAUNCHED,
            is_national=national,
        )
    return len(DEMO_PRODUCTS)
