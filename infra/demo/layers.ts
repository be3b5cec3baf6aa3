// The catalog entries of the demo layers: what each layer is, who owns it, its attribute schema and its style.
// The `style` keys are the ones the web app turns into MapLibre paint (color, width, radius, fillOpacity,
// outlineColor, categories).
import type { Attribute } from '../../server/catalog/attributes.ts';
import type { LayerSpec } from '../../server/catalog/create-layer.ts';

export type DemoLayerSpec = LayerSpec & { attributes: Attribute[] };

const DEMO_NOTE_VI = 'Dữ liệu minh họa sinh tự động cho bản trình diễn, không có giá trị pháp lý.';
const DEMO_NOTE_EN = 'Generated demonstration data; not an authoritative record.';
const RESTRICTED_LICENCE = 'Hạn chế: chỉ cơ quan nhà nước được cấp quyền / Restricted: authorised agencies only';

function attr(
  name: string,
  type: Attribute['type'],
  labelVi: string,
  labelEn: string,
  extra: { required?: boolean; allowed?: (string | number)[]; max_length?: number } = {},
): Attribute {
  return { name, type, label_vi: labelVi, label_en: labelEn, required: extra.required ?? false, ...extra };
}

export const ROAD_SURFACES = ['Bê tông nhựa', 'Láng nhựa', 'Bê tông xi măng', 'Cấp phối', 'Đất'];
export const ROAD_GRADES = ['Cấp III miền núi', 'Cấp IV miền núi', 'Cấp V miền núi', 'Cấp VI miền núi'];
export const LOCAL_ROAD_CLASSES = ['Đường tỉnh', 'Đường huyện', 'Đường xã', 'Đường thôn, xóm'];
export const ROAD_CONDITIONS = ['Tốt', 'Trung bình', 'Xấu'];
export const WATER_KINDS = ['Sông', 'Suối'];
export const FLOW_REGIMES = ['Thường xuyên', 'Theo mùa'];
export const LAKE_KINDS = ['Hồ tự nhiên', 'Hồ chứa thủy lợi', 'Hồ thủy điện', 'Ao, hồ nhỏ'];
export const LAND_USES = [
  'Đất ở đô thị', 'Đất ở nông thôn', 'Đất thương mại dịch vụ', 'Đất hỗn hợp', 'Đất cơ quan', 'Đất giáo dục',
  'Đất y tế', 'Đất văn hóa', 'Đất thể dục thể thao', 'Đất cây xanh', 'Đất công nghiệp', 'Đất hạ tầng kỹ thuật',
  'Đất quốc phòng, an ninh',
];
export const LAMP_TYPES = ['LED', 'Sodium', 'Metal halide', 'LED năng lượng mặt trời'];
export const LAMP_STATES = ['Hoạt động', 'Hỏng', 'Đang bảo trì'];
export const STREET_CLASSES = ['Đường trục chính', 'Đường phố', 'Đường nội bộ'];
export const GEOSITE_KINDS = [
  'Địa mạo karst', 'Hang động', 'Thác nước', 'Thủy văn', 'Cổ sinh, hóa thạch', 'Địa tầng', 'Khoáng sản',
  'Văn hóa, lịch sử',
];
export const HERITAGE_RANKS = ['Quốc gia đặc biệt', 'Quốc gia', 'Cấp tỉnh', 'Chưa xếp hạng'];
export const OPERATORS = ['Viettel', 'VNPT', 'MobiFone'];
export const RADIO_TECHNOLOGIES = ['2G', '3G', '4G', '5G'];
export const MAST_TYPES = ['Cột tự đứng', 'Cột dây co', 'Cột trên nóc nhà', 'Cột ngụy trang'];
export const MONITORING_KINDS = ['Nước mặt', 'Nước dưới đất', 'Không khí', 'Đất', 'Nước thải'];
export const MONITORING_MODES = ['Tự động, liên tục', 'Định kỳ'];
export const MARKET_CLASSES = ['Hạng 1', 'Hạng 2', 'Hạng 3'];
export const MARKET_KINDS = ['Chợ trung tâm', 'Chợ phiên', 'Chợ biên giới', 'Chợ đêm'];
export const CROPS = [
  'Lúa nước', 'Ngô', 'Thuốc lá', 'Hạt dẻ', 'Mía', 'Chè', 'Cây ăn quả', 'Cây dược liệu', 'Rừng sản xuất',
  'Rừng phòng hộ',
];
export const CERTIFICATIONS = ['VietGAP', 'Hữu cơ', 'Chỉ dẫn địa lý', 'Chưa chứng nhận'];
export const COMMUNE_KINDS = ['Phường', 'Thị trấn', 'Xã'];

const communeAttr = attr('xa', 'text', 'Xã, phường, thị trấn', 'Commune or ward');

export const nationalRoads: DemoLayerSpec = {
  id: 'giao_thong.quoc_lo',
  ownerAgencyCode: 'so_gtvt',
  titleVi: 'Quốc lộ',
  titleEn: 'National roads',
  descriptionVi: `Các tuyến quốc lộ qua địa bàn tỉnh: QL3, QL4A, QL34 và QL4 (tuyến biên giới). ${DEMO_NOTE_VI}`,
  descriptionEn: `National roads through the province: QL3, QL4A, QL34 and QL4 (border route). ${DEMO_NOTE_EN}`,
  geometryFamily: 'line',
  attributes: [
    attr('so_hieu', 'text', 'Số hiệu', 'Route number', { required: true, max_length: 10 }),
    attr('ten', 'text', 'Tên tuyến', 'Name', { required: true }),
    attr('cap_duong', 'text', 'Cấp đường', 'Road grade', { allowed: ROAD_GRADES }),
    attr('ket_cau_mat', 'text', 'Kết cấu mặt đường', 'Pavement', { allowed: ROAD_SURFACES }),
    attr('be_rong_m', 'number', 'Bề rộng mặt đường (m)', 'Carriageway width (m)'),
    attr('chieu_dai_km', 'number', 'Chiều dài trong tỉnh (km)', 'Length in the province (km)'),
    attr('diem_dau', 'text', 'Điểm đầu', 'Start'),
    attr('diem_cuoi', 'text', 'Điểm cuối', 'End'),
    attr('don_vi_quan_ly', 'text', 'Đơn vị quản lý', 'Managed by'),
  ],
  nameAttribute: 'ten',
  source: 'Sở Giao thông Vận tải Cao Bằng — điều tra hiện trạng kết cấu hạ tầng giao thông 2024',
  legalBasis: 'Quyết định 34/2024/QĐ-UBND; Luật Đường bộ 2024',
  licence: 'CC BY 4.0',
  minZoom: 5,
  maxZoom: 22,
  style: { color: '#d7301f', width: 3.5 },
  sort: 10,
};

export const localRoads: DemoLayerSpec = {
  id: 'giao_thong.duong_dia_phuong',
  ownerAgencyCode: 'so_gtvt',
  titleVi: 'Đường địa phương',
  titleEn: 'Local roads',
  descriptionVi: `Đường tỉnh, đường huyện, đường xã và đường thôn, xóm. ${DEMO_NOTE_VI}`,
  descriptionEn: `Provincial, district, commune and village roads. ${DEMO_NOTE_EN}`,
  geometryFamily: 'line',
  attributes: [
    attr('ma_tuyen', 'text', 'Mã tuyến', 'Route code', { required: true }),
    attr('ten', 'text', 'Tên tuyến', 'Name', { required: true }),
    attr('cap_duong', 'text', 'Cấp quản lý', 'Road class', { required: true, allowed: LOCAL_ROAD_CLASSES }),
    attr('ket_cau_mat', 'text', 'Kết cấu mặt đường', 'Pavement', { allowed: ROAD_SURFACES }),
    attr('be_rong_m', 'number', 'Bề rộng mặt đường (m)', 'Carriageway width (m)'),
    attr('chieu_dai_km', 'number', 'Chiều dài (km)', 'Length (km)'),
    attr('tinh_trang', 'text', 'Tình trạng', 'Condition', { allowed: ROAD_CONDITIONS }),
    attr('nam_xay_dung', 'integer', 'Năm xây dựng', 'Year built'),
    communeAttr,
  ],
  nameAttribute: 'ten',
  source: 'Sở Giao thông Vận tải Cao Bằng — cơ sở dữ liệu đường bộ địa phương, cập nhật 2024',
  legalBasis: 'Quyết định 34/2024/QĐ-UBND; Luật Đường bộ 2024',
  licence: 'CC BY 4.0',
  minZoom: 10,
  maxZoom: 22,
  style: {
    color: '#f0a04b',
    width: 1.5,
    categories: {
      attribute: 'cap_duong',
      colors: { 'Đường tỉnh': '#e6550d', 'Đường huyện': '#fd8d3c', 'Đường xã': '#fdae6b', 'Đường thôn, xóm': '#bdbdbd' },
    },
  },
  sort: 20,
};

export const provinceBoundary: DemoLayerSpec = {
  id: 'tai_nguyen.ranh_gioi_tinh',
  ownerAgencyCode: 'so_tnmt',
  titleVi: 'Ranh giới tỉnh',
  titleEn: 'Province boundary',
  descriptionVi: `Đường địa giới hành chính tỉnh Cao Bằng (mức chi tiết bản đồ nền). ${DEMO_NOTE_VI}`,
  descriptionEn: `The administrative boundary of Cao Bằng province, at basemap detail. ${DEMO_NOTE_EN}`,
  geometryFamily: 'polygon',
  attributes: [
    attr('ten', 'text', 'Tên', 'Name', { required: true }),
    attr('ma_tinh', 'text', 'Mã tỉnh', 'Province code'),
    attr('tinh_ly', 'text', 'Tỉnh lỵ', 'Capital'),
    attr('dan_so', 'integer', 'Dân số (người)', 'Population'),
    attr('dien_tich_km2', 'number', 'Diện tích (km²)', 'Area (km²)'),
  ],
  nameAttribute: 'ten',
  source: 'Sở Tài nguyên và Môi trường Cao Bằng — bản đồ địa giới hành chính, số hóa 2023',
  legalBasis: 'Quyết định 34/2024/QĐ-UBND',
  licence: 'CC BY 4.0',
  minZoom: 0,
  maxZoom: 22,
  style: { color: '#54278f', outlineColor: '#54278f', fillOpacity: 0, width: 2.5 },
  sort: 10,
};

export const communeBoundaries: DemoLayerSpec = {
  id: 'tai_nguyen.ranh_gioi_xa',
  ownerAgencyCode: 'so_tnmt',
  titleVi: 'Ranh giới xã, phường, thị trấn',
  titleEn: 'Commune and ward boundaries',
  descriptionVi: `Ranh giới các xã, phường, thị trấn (trước sắp xếp năm 2025). ${DEMO_NOTE_VI}`,
  descriptionEn: `Boundaries of the communes, wards and towns (before the 2025 reorganisation). ${DEMO_NOTE_EN}`,
  geometryFamily: 'polygon',
  attributes: [
    attr('ten', 'text', 'Tên', 'Name', { required: true }),
    attr('loai', 'text', 'Loại đơn vị', 'Kind', { allowed: COMMUNE_KINDS }),
    attr('ma_xa', 'text', 'Mã đơn vị hành chính', 'Administrative code', { required: true }),
    attr('huyen', 'text', 'Huyện, thành phố', 'District or city'),
    attr('dan_so', 'integer', 'Dân số (người)', 'Population'),
    attr('dien_tich_km2', 'number', 'Diện tích (km²)', 'Area (km²)'),
  ],
  nameAttribute: 'ten',
  source: 'Sở Tài nguyên và Môi trường Cao Bằng — bản đồ địa giới hành chính cấp xã, số hóa 2023',
  legalBasis: 'Quyết định 34/2024/QĐ-UBND',
  licence: 'CC BY 4.0',
  minZoom: 5,
  maxZoom: 22,
  style: { color: '#bcbddc', outlineColor: '#807dba', fillOpacity: 0.05, width: 1 },
  sort: 20,
};

export const rivers: DemoLayerSpec = {
  id: 'tai_nguyen.song_suoi',
  ownerAgencyCode: 'so_tnmt',
  titleVi: 'Sông, suối',
  titleEn: 'Rivers and streams',
  descriptionVi: `Mạng lưới sông, suối: Bằng Giang, Hiến, Quây Sơn, Gâm, Nho Quế, Năng và các suối nhánh. ${DEMO_NOTE_VI}`,
  descriptionEn: `Rivers and streams: Bằng Giang, Hiến, Quây Sơn, Gâm, Nho Quế, Năng and their tributaries. ${DEMO_NOTE_EN}`,
  geometryFamily: 'line',
  attributes: [
    attr('ten', 'text', 'Tên', 'Name', { required: true }),
    attr('loai', 'text', 'Loại', 'Kind', { required: true, allowed: WATER_KINDS }),
    attr('cap', 'integer', 'Cấp sông suối', 'Stream order'),
    attr('luu_vuc', 'text', 'Lưu vực', 'Basin'),
    attr('chieu_dai_km', 'number', 'Chiều dài trong tỉnh (km)', 'Length in the province (km)'),
    attr('be_rong_tb_m', 'number', 'Bề rộng trung bình (m)', 'Mean width (m)'),
    attr('che_do_dong_chay', 'text', 'Chế độ dòng chảy', 'Flow regime', { allowed: FLOW_REGIMES }),
  ],
  nameAttribute: 'ten',
  source: 'Sở Tài nguyên và Môi trường Cao Bằng — điều tra, kiểm kê tài nguyên nước mặt 2023',
  legalBasis: 'Quyết định 34/2024/QĐ-UBND; Luật Tài nguyên nước 2023',
  licence: 'CC BY 4.0',
  minZoom: 5,
  maxZoom: 22,
  style: {
    color: '#3182bd',
    width: 1.2,
    categories: { attribute: 'loai', colors: { 'Sông': '#2171b5', 'Suối': '#6baed6' } },
  },
  sort: 30,
};

export const lakes: DemoLayerSpec = {
  id: 'tai_nguyen.ho_ao',
  ownerAgencyCode: 'so_tnmt',
  titleVi: 'Hồ, ao, hồ chứa',
  titleEn: 'Lakes and reservoirs',
  descriptionVi: `Hồ tự nhiên (quần thể hồ Thang Hen), hồ chứa thủy lợi và hồ thủy điện. ${DEMO_NOTE_VI}`,
  descriptionEn: `Natural lakes (the Thang Hen lakes), irrigation reservoirs and hydropower reservoirs. ${DEMO_NOTE_EN}`,
  geometryFamily: 'polygon',
  attributes: [
    attr('ten', 'text', 'Tên', 'Name', { required: true }),
    attr('loai', 'text', 'Loại', 'Kind', { required: true, allowed: LAKE_KINDS }),
    attr('dien_tich_ha', 'number', 'Diện tích mặt nước (ha)', 'Water area (ha)'),
    attr('dung_tich_trieu_m3', 'number', 'Dung tích (triệu m³)', 'Capacity (million m³)'),
    attr('don_vi_quan_ly', 'text', 'Đơn vị quản lý', 'Managed by'),
    communeAttr,
  ],
  nameAttribute: 'ten',
  source: 'Sở Tài nguyên và Môi trường Cao Bằng — danh mục hồ, ao không được san lấp 2023',
  legalBasis: 'Quyết định 34/2024/QĐ-UBND; Luật Tài nguyên nước 2023',
  licence: 'CC BY 4.0',
  minZoom: 8,
  maxZoom: 22,
  style: { color: '#6baed6', outlineColor: '#2171b5', fillOpacity: 0.75 },
  sort: 40,
};

export const monitoringStations: DemoLayerSpec = {
  id: 'tai_nguyen.quan_trac_moi_truong',
  ownerAgencyCode: 'so_tnmt',
  titleVi: 'Điểm quan trắc môi trường',
  titleEn: 'Environmental monitoring stations',
  descriptionVi: `Trạm và điểm quan trắc nước mặt, nước dưới đất, không khí, đất và nước thải. Dữ liệu hạn chế. ${DEMO_NOTE_VI}`,
  descriptionEn: `Surface water, groundwater, air, soil and waste-water monitoring points. Restricted. ${DEMO_NOTE_EN}`,
  geometryFamily: 'point',
  attributes: [
    attr('ma_tram', 'text', 'Mã điểm', 'Station code', { required: true }),
    attr('ten', 'text', 'Tên điểm', 'Name', { required: true }),
    attr('loai', 'text', 'Thành phần môi trường', 'Medium', { required: true, allowed: MONITORING_KINDS }),
    attr('che_do', 'text', 'Hình thức quan trắc', 'Mode', { allowed: MONITORING_MODES }),
    attr('tan_suat', 'text', 'Tần suất', 'Frequency'),
    attr('thong_so', 'text', 'Thông số quan trắc', 'Parameters'),
    attr('nam_bat_dau', 'integer', 'Năm bắt đầu', 'Since'),
    communeAttr,
  ],
  nameAttribute: 'ten',
  visibility: 'restricted',
  source: 'Sở Tài nguyên và Môi trường Cao Bằng — chương trình quan trắc môi trường tỉnh giai đoạn 2021–2025',
  legalBasis: 'Quyết định 34/2024/QĐ-UBND; Luật Bảo vệ môi trường 2020',
  licence: RESTRICTED_LICENCE,
  minZoom: 8,
  maxZoom: 22,
  style: {
    color: '#31a354',
    radius: 5,
    categories: {
      attribute: 'loai',
      colors: { 'Nước mặt': '#3182bd', 'Nước dưới đất': '#08519c', 'Không khí': '#969696', 'Đất': '#8c510a', 'Nước thải': '#e31a1c' },
    },
  },
  sort: 50,
};

export const landUsePlanning: DemoLayerSpec = {
  id: 'xay_dung.quy_hoach_su_dung_dat',
  ownerAgencyCode: 'so_xay_dung',
  titleVi: 'Quy hoạch sử dụng đất đô thị',
  titleEn: 'Urban land-use planning zones',
  descriptionVi: `Các ô quy hoạch sử dụng đất của thành phố Cao Bằng và các thị trấn. ${DEMO_NOTE_VI}`,
  descriptionEn: `Land-use planning zones of Cao Bằng city and the district towns. ${DEMO_NOTE_EN}`,
  geometryFamily: 'polygon',
  attributes: [
    attr('ma_khu', 'text', 'Ký hiệu ô quy hoạch', 'Zone code', { required: true }),
    attr('loai_dat', 'text', 'Loại đất', 'Land use', { required: true, allowed: LAND_USES }),
    attr('dien_tich_ha', 'number', 'Diện tích (ha)', 'Area (ha)'),
    attr('mat_do_xay_dung', 'number', 'Mật độ xây dựng tối đa (%)', 'Maximum site coverage (%)'),
    attr('tang_cao_toi_da', 'integer', 'Tầng cao tối đa', 'Maximum storeys'),
    attr('quyet_dinh', 'text', 'Quyết định phê duyệt', 'Approving decision'),
    attr('khu_vuc', 'text', 'Khu vực', 'Area'),
  ],
  nameAttribute: 'ma_khu',
  source: 'Sở Xây dựng Cao Bằng — đồ án quy hoạch chung và quy hoạch phân khu đã phê duyệt, số hóa 2024',
  legalBasis: 'Quyết định 34/2024/QĐ-UBND; Luật Quy hoạch đô thị 2009',
  licence: 'CC BY 4.0',
  minZoom: 11,
  maxZoom: 22,
  style: {
    color: '#fdd49e',
    outlineColor: '#7f7f7f',
    fillOpacity: 0.6,
    categories: {
      attribute: 'loai_dat',
      colors: {
        'Đất ở đô thị': '#fdbf6f',
        'Đất ở nông thôn': '#ffe9a8',
        'Đất thương mại dịch vụ': '#e7298a',
        'Đất hỗn hợp': '#f781bf',
        'Đất cơ quan': '#e31a1c',
        'Đất giáo dục': '#ff7f00',
        'Đất y tế': '#1f78b4',
        'Đất văn hóa': '#cab2d6',
        'Đất thể dục thể thao': '#b2df8a',
        'Đất cây xanh': '#33a02c',
        'Đất công nghiệp': '#6a3d9a',
        'Đất hạ tầng kỹ thuật': '#999999',
        'Đất quốc phòng, an ninh': '#b15928',
      },
    },
  },
  sort: 10,
};

export const streetLights: DemoLayerSpec = {
  id: 'do_thi.den_chieu_sang',
  ownerAgencyCode: 'ubnd_tp_cao_bang',
  titleVi: 'Đèn chiếu sáng công cộng',
  titleEn: 'Street lights',
  descriptionVi: `Cột đèn chiếu sáng trên các tuyến phố thành phố Cao Bằng. ${DEMO_NOTE_VI}`,
  descriptionEn: `Street light poles along the streets of Cao Bằng city. ${DEMO_NOTE_EN}`,
  geometryFamily: 'point',
  attributes: [
    attr('ma_den', 'text', 'Mã đèn', 'Light id', { required: true }),
    attr('loai_den', 'text', 'Loại đèn', 'Lamp type', { required: true, allowed: LAMP_TYPES }),
    attr('cong_suat_w', 'integer', 'Công suất (W)', 'Power (W)'),
    attr('chieu_cao_cot_m', 'number', 'Chiều cao cột (m)', 'Pole height (m)'),
    attr('tuyen_duong', 'text', 'Tuyến đường', 'Street'),
    attr('phuong', 'text', 'Phường, xã', 'Ward'),
    attr('trang_thai', 'text', 'Trạng thái', 'Status', { allowed: LAMP_STATES }),
    attr('nam_lap_dat', 'integer', 'Năm lắp đặt', 'Year installed'),
  ],
  nameAttribute: 'ma_den',
  source: 'UBND thành phố Cao Bằng — kiểm kê hệ thống chiếu sáng công cộng 2024',
  legalBasis: 'Quyết định 34/2024/QĐ-UBND',
  licence: 'CC BY 4.0',
  minZoom: 13,
  maxZoom: 22,
  style: {
    color: '#ffcc00',
    radius: 2.5,
    categories: { attribute: 'trang_thai', colors: { 'Hoạt động': '#ffcc00', 'Hỏng': '#e31a1c', 'Đang bảo trì': '#ff7f00' } },
  },
  sort: 20,
};

export const urbanStreets: DemoLayerSpec = {
  id: 'do_thi.duong_do_thi',
  ownerAgencyCode: 'ubnd_tp_cao_bang',
  titleVi: 'Đường phố đô thị',
  titleEn: 'City streets',
  descriptionVi: `Các tuyến đường phố do thành phố Cao Bằng quản lý. ${DEMO_NOTE_VI}`,
  descriptionEn: `Streets managed by Cao Bằng city. ${DEMO_NOTE_EN}`,
  geometryFamily: 'line',
  attributes: [
    attr('ten', 'text', 'Tên đường', 'Name', { required: true }),
    attr('loai_duong', 'text', 'Loại đường', 'Class', { allowed: STREET_CLASSES }),
    attr('be_rong_m', 'number', 'Bề rộng lòng đường (m)', 'Carriageway width (m)'),
    attr('chieu_dai_km', 'number', 'Chiều dài (km)', 'Length (km)'),
    attr('ket_cau_mat', 'text', 'Kết cấu mặt đường', 'Pavement', { allowed: ROAD_SURFACES }),
    attr('phuong', 'text', 'Phường, xã', 'Ward'),
  ],
  nameAttribute: 'ten',
  source: 'UBND thành phố Cao Bằng — hồ sơ quản lý hạ tầng đường đô thị 2024',
  legalBasis: 'Quyết định 34/2024/QĐ-UBND',
  licence: 'CC BY 4.0',
  minZoom: 11,
  maxZoom: 22,
  style: {
    color: '#737373',
    width: 2,
    categories: {
      attribute: 'loai_duong',
      colors: { 'Đường trục chính': '#525252', 'Đường phố': '#737373', 'Đường nội bộ': '#bdbdbd' },
    },
  },
  sort: 10,
};

export const geosites: DemoLayerSpec = {
  id: 'van_hoa.diem_di_san_dia_chat',
  ownerAgencyCode: 'so_vhttdl',
  titleVi: 'Điểm di sản Công viên địa chất toàn cầu UNESCO Non nước Cao Bằng',
  titleEn: 'Non nước Cao Bằng UNESCO Global Geopark geosites',
  descriptionVi: `Điểm di sản địa chất, văn hóa và danh thắng trong Công viên địa chất Non nước Cao Bằng. ${DEMO_NOTE_VI}`,
  descriptionEn: `Geological, cultural and scenic sites of the Non nước Cao Bằng Geopark. ${DEMO_NOTE_EN}`,
  geometryFamily: 'point',
  attributes: [
    attr('ten', 'text', 'Tên điểm', 'Name', { required: true }),
    attr('loai', 'text', 'Loại di sản', 'Kind', { required: true, allowed: GEOSITE_KINDS }),
    attr('xep_hang', 'text', 'Xếp hạng', 'Ranking', { allowed: HERITAGE_RANKS }),
    attr('mo_ta', 'text', 'Mô tả', 'Description'),
    attr('tuyen_du_lich', 'text', 'Tuyến du lịch', 'Tour route'),
    communeAttr,
  ],
  nameAttribute: 'ten',
  source: 'Sở Văn hóa, Thể thao và Du lịch Cao Bằng — hồ sơ Công viên địa chất toàn cầu UNESCO Non nước Cao Bằng',
  legalBasis: 'Quyết định 34/2024/QĐ-UBND; Luật Di sản văn hóa',
  licence: 'CC BY 4.0',
  minZoom: 6,
  maxZoom: 22,
  style: {
    color: '#8c2d04',
    radius: 6,
    categories: {
      attribute: 'loai',
      colors: {
        'Địa mạo karst': '#8c6d31', 'Hang động': '#525252', 'Thác nước': '#2171b5', 'Thủy văn': '#6baed6',
        'Cổ sinh, hóa thạch': '#d95f0e', 'Địa tầng': '#a63603', 'Khoáng sản': '#756bb1', 'Văn hóa, lịch sử': '#c51b8a',
      },
    },
  },
  sort: 10,
};

export const baseStations: DemoLayerSpec = {
  id: 'thong_tin.tram_bts',
  ownerAgencyCode: 'so_tttt',
  titleVi: 'Trạm thu phát sóng thông tin di động (BTS)',
  titleEn: 'Mobile base stations (BTS)',
  descriptionVi: `Vị trí trạm BTS của các doanh nghiệp viễn thông. Dữ liệu hạn chế: Sở Xây dựng được đọc để thẩm định cấp phép xây dựng. ${DEMO_NOTE_VI}`,
  descriptionEn: `Base station sites of the telecom operators. Restricted; the Department of Construction may read it for building permits. ${DEMO_NOTE_EN}`,
  geometryFamily: 'point',
  attributes: [
    attr('ma_tram', 'text', 'Mã trạm', 'Site code', { required: true }),
    attr('ten', 'text', 'Tên trạm', 'Name', { required: true }),
    attr('nha_mang', 'text', 'Doanh nghiệp', 'Operator', { required: true, allowed: OPERATORS }),
    attr('cong_nghe', 'text', 'Công nghệ cao nhất', 'Highest technology', { allowed: RADIO_TECHNOLOGIES }),
    attr('loai_cot', 'text', 'Loại cột', 'Mast type', { allowed: MAST_TYPES }),
    attr('do_cao_cot_m', 'number', 'Độ cao cột (m)', 'Mast height (m)'),
    attr('dung_chung', 'boolean', 'Dùng chung hạ tầng', 'Shared infrastructure'),
    attr('nam_phat_song', 'integer', 'Năm phát sóng', 'On air since'),
    communeAttr,
  ],
  nameAttribute: 'ten',
  visibility: 'restricted',
  readerAgencyCodes: ['so_xay_dung'],
  source: 'Sở Thông tin và Truyền thông Cao Bằng — báo cáo hạ tầng viễn thông thụ động của doanh nghiệp, quý IV/2024',
  legalBasis: 'Quyết định 34/2024/QĐ-UBND; Luật Viễn thông 2023',
  licence: RESTRICTED_LICENCE,
  minZoom: 9,
  maxZoom: 22,
  style: {
    color: '#756bb1',
    radius: 4,
    categories: { attribute: 'nha_mang', colors: { 'Viettel': '#e31a1c', 'VNPT': '#1f78b4', 'MobiFone': '#33a02c' } },
  },
  sort: 10,
};

export const markets: DemoLayerSpec = {
  id: 'cong_thuong.cho',
  ownerAgencyCode: 'so_cong_thuong',
  titleVi: 'Chợ',
  titleEn: 'Markets',
  descriptionVi: `Mạng lưới chợ trung tâm, chợ phiên và chợ biên giới. ${DEMO_NOTE_VI}`,
  descriptionEn: `Central markets, periodic village markets and border markets. ${DEMO_NOTE_EN}`,
  geometryFamily: 'point',
  attributes: [
    attr('ten', 'text', 'Tên chợ', 'Name', { required: true }),
    attr('loai', 'text', 'Loại chợ', 'Kind', { allowed: MARKET_KINDS }),
    attr('hang_cho', 'text', 'Hạng chợ', 'Market class', { allowed: MARKET_CLASSES }),
    attr('phien_cho', 'text', 'Phiên chợ', 'Market days'),
    attr('so_diem_kinh_doanh', 'integer', 'Số điểm kinh doanh', 'Stalls'),
    communeAttr,
  ],
  nameAttribute: 'ten',
  source: 'Sở Công Thương Cao Bằng — quy hoạch mạng lưới chợ, rà soát 2024',
  legalBasis: 'Quyết định 34/2024/QĐ-UBND; Nghị định 60/2024/NĐ-CP về phát triển và quản lý chợ',
  licence: 'CC BY 4.0',
  minZoom: 9,
  maxZoom: 22,
  style: { color: '#e6550d', radius: 5 },
  sort: 10,
};

export const farmingZones: DemoLayerSpec = {
  id: 'nong_nghiep.vung_san_xuat',
  ownerAgencyCode: 'so_nn_ptnt',
  titleVi: 'Vùng sản xuất nông, lâm nghiệp tập trung',
  titleEn: 'Agricultural and forestry production zones',
  descriptionVi: `Vùng trồng lúa, ngô, thuốc lá, hạt dẻ, mía, chè, cây dược liệu và rừng. ${DEMO_NOTE_VI}`,
  descriptionEn: `Zones of rice, maize, tobacco, chestnut, sugar cane, tea, medicinal plants and forest. ${DEMO_NOTE_EN}`,
  geometryFamily: 'polygon',
  attributes: [
    attr('ten', 'text', 'Tên vùng', 'Name', { required: true }),
    attr('loai_cay', 'text', 'Cây trồng, loại rừng', 'Crop or forest type', { required: true, allowed: CROPS }),
    attr('dien_tich_ha', 'number', 'Diện tích (ha)', 'Area (ha)'),
    attr('chung_nhan', 'text', 'Chứng nhận', 'Certification', { allowed: CERTIFICATIONS }),
    attr('nam_quy_hoach', 'integer', 'Năm quy hoạch', 'Planned in'),
    communeAttr,
    attr('huyen', 'text', 'Huyện, thành phố', 'District or city'),
  ],
  nameAttribute: 'ten',
  source: 'Sở Nông nghiệp và Phát triển nông thôn Cao Bằng — quy hoạch vùng sản xuất hàng hóa tập trung 2021–2030',
  legalBasis: 'Quyết định 34/2024/QĐ-UBND; Luật Trồng trọt 2018',
  licence: 'CC BY 4.0',
  minZoom: 8,
  maxZoom: 22,
  style: {
    color: '#a1d99b',
    outlineColor: '#41ab5d',
    fillOpacity: 0.45,
    categories: {
      attribute: 'loai_cay',
      colors: {
        'Lúa nước': '#d9f0a3', 'Ngô': '#fee391', 'Thuốc lá': '#d8b365', 'Hạt dẻ': '#8c510a', 'Mía': '#c7e9b4',
        'Chè': '#41ab5d', 'Cây ăn quả': '#fd8d3c', 'Cây dược liệu': '#807dba', 'Rừng sản xuất': '#238b45',
        'Rừng phòng hộ': '#00441b',
      },
    },
  },
  sort: 10,
};
